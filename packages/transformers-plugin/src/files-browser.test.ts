// The browser build's file system stand-in: the same functions as files-node.ts (checked by the
// compiler below), each rejecting with UNSUPPORTED_ENVIRONMENT, naming the path and what to pass instead.
import { MultiLoraError } from '@multilora/core';
import { describe, expect, it } from 'vitest';
import * as standIn from './files-browser.js';
import * as nodeFiles from './files-node.js';

const sameShape: typeof nodeFiles = standIn;

async function rejection(p: Promise<unknown>): Promise<MultiLoraError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(MultiLoraError);
  expect((e as MultiLoraError).code).toBe('UNSUPPORTED_ENVIRONMENT');
  return e as MultiLoraError;
}

describe('files-browser (the browser build stand-in for files-node)', () => {
  it('exports exactly the functions of files-node', () => {
    expect(Object.keys(sameShape).sort()).toEqual(Object.keys(nodeFiles).sort());
  });

  it("a path in files: names the path, asks for the .onnx file's bytes (fetch or a File)", async () => {
    const e = await rejection(standIn.readModelFile('/models/org/m/onnx/model.onnx'));
    expect(e.message).toContain('"/models/org/m/onnx/model.onnx"');
    expect(e.message).toMatch(/Node's file system/);
    expect(e.message).toMatch(/Uint8Array/);
    expect(e.message).toMatch(/file\.arrayBuffer\(\)/);
  });

  it('modelPath: names the folder, asks for files { stem: bytes } instead', async () => {
    const e = await rejection(standIn.listModelFolder('/models/org/m'));
    expect(e.message).toMatch(/^modelPath "\/models\/org\/m" is a folder/);
    expect(e.message).toMatch(/Pass files instead of modelPath/);
    expect(e.message).toContain('"decoder_model_merged"');
  });

  it('an adapter folder path: names it, asks for an Adapter (readAdapterFiles of File objects) or { config, weights }', async () => {
    const e = await rejection(standIn.readAdapterPath('/adapters/chat'));
    expect(e.message).toContain('"/adapters/chat"');
    expect(e.message).toContain('readAdapterFiles');
    expect(e.message).toContain('{ config, weights }');
  });

  it('saveMerged: names the folder and says it needs Node', async () => {
    const e = await rejection(standIn.writeModelFolder('/out/merged'));
    expect(e.message).toMatch(/^saveMerged\("\/out\/merged"\) writes a model folder, which needs Node's file system/);
  });
});
