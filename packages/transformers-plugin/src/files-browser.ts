/**
 * The browser build's stand-in for files-node.ts (tsup.config.ts swaps it in; see files.ts): the
 * same functions, each rejecting with UNSUPPORTED_ENVIRONMENT, naming the path it was given and what
 * a browser passes instead (bytes, a File's contents, an Adapter), so that no Node module reaches a
 * browser bundle and a path fails with this message rather than a bundler's "externalized" error.
 */
import { MultiLoraError, type Adapter } from '@multilora/core';
import type { FolderListing } from './files.js';

const BROWSER = "needs Node's file system, and this is the browser build of @multilora/transformers";
const BYTES = 'a Uint8Array, e.g. new Uint8Array(await (await fetch(url)).arrayBuffer()), or ' +
  'new Uint8Array(await file.arrayBuffer()) for a File from <input type="file">';

function unsupported(message: string): MultiLoraError {
  return new MultiLoraError('UNSUPPORTED_ENVIRONMENT', message);
}

/** Rejects: `path` (an entry of `files`) is a path; a browser passes the file's bytes. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  throw unsupported(`files holds the path "${path}": reading a file ${BROWSER}. Under the same key, pass ` +
    `the .onnx file's bytes instead: ${BYTES}.`);
}

/** Rejects: `modelPath` is a folder on disk; a browser passes `files` with each .onnx file's bytes. */
export async function listModelFolder(modelPath: string): Promise<FolderListing> {
  throw unsupported(`modelPath "${modelPath}" is a folder: finding the .onnx files in it ${BROWSER}. Pass files ` +
    'instead of modelPath: { [session name or file stem, e.g. "model" or "decoder_model_merged"]: the .onnx file\'s ' +
    `bytes }, each ${BYTES}.`);
}

/** Rejects: an adapter given as a folder path; a browser passes an Adapter or the two files' contents. */
export async function readAdapterPath(path: string): Promise<Adapter> {
  throw unsupported(`the adapter "${path}" is a folder path: reading it ${BROWSER}. Pass an Adapter instead ` +
    '(readAdapterFiles(input.files) of @multilora/core reads the File objects of an <input type="file" multiple>), ' +
    'or { config, weights }: the contents of adapter_config.json (string, bytes or object) and ' +
    `adapter_model.safetensors (${BYTES}).`);
}

/** Rejects: saveMerged writes a folder, which a browser cannot. */
export async function writeModelFolder(dir: string): Promise<void> {
  throw unsupported(`saveMerged("${dir}") writes a model folder, which ${BROWSER}. Call saveMerged in Node ` +
    '(apply the same adapters to the same model there); in the browser, apply the adapter at load time instead.');
}
