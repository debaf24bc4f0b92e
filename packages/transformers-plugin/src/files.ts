/**
 * The plugin's one door to the file system: every path it reads or writes goes through the
 * functions re-exported here. In Node they are files-node.ts (node:fs, loaded on first use). The
 * package's browser build (`"browser"` condition of package.json's exports, `dist/browser.js`) is
 * built by tsup.config.ts with files-browser.ts in place of files-node.ts: the same functions, each
 * throwing UNSUPPORTED_ENVIRONMENT with what to pass instead, so browser bundles never import a Node
 * module. Only this file names the implementation.
 */

/** One ONNX file of a model folder to write, built on demand. */
export interface FolderFile {
  fileName: string;
  bytes: () => Uint8Array;
}

/** Where a saved model folder's other files come from (see {@link writeModelFolder}). */
export interface ModelFolderOptions {
  /** The source model folder; its top-level files (config.json, tokenizer files, …) are copied. */
  modelPath?: string;
  /** The ONNX subfolder (default `onnx`). */
  subfolder?: string;
  /** The loaded model's config, written as config.json when no `modelPath` is known. */
  config?: object;
}

/** A folder's entries: the folder's path and its entries' names and paths. */
export interface FolderListing {
  dir: string;
  entries: { name: string; path: string }[];
}

export { listModelFolder, readAdapterPath, readModelFile, writeModelFolder } from './files-node.js';
