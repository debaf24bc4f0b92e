/**
 * @multilora/core/node: the parts that need Node's file system (adapter folders on disk).
 * Kept apart so that browser bundles of `@multilora/core` never import `node:fs`.
 */
export { readAdapterFolder, writeAdapterFolder } from './adapter/folder-node.js';
export { writeSafetensorsFile } from './safetensors/file.js';
