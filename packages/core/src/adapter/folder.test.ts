import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MultiLoraError } from '../errors.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapterFiles, type NamedFile } from './folder.js';
import { readAdapterFolder, writeAdapterFolder } from './folder-node.js';
import { serializeAdapter } from './serialize.js';
import { MIXED_SPECS, deltaWeightErrors, randomAdapter, sameModule } from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'multilora-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<MultiLoraError> {
  try {
    await p;
  } catch (e) {
    return e as MultiLoraError;
  }
  throw new Error('expected a rejection');
}

const adapter = randomAdapter({ n: 3, r: 2, loraAlpha: 4, scaleMode: 'channel' }, MIXED_SPECS, 71);

describe('adapter folders on disk (Node)', () => {
  it('writes both files (creating nested folders, config pretty-printed) and reads them back bit-exactly', async () => {
    const dir = join(root, 'a', 'b', 'native');
    await writeAdapterFolder(dir, adapter);
    expect(readdirSync(dir).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
    expect(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')).toMatch(/^\{\n {2}"peft_type": "MULTILORA",\n/);
    const back = await readAdapterFolder(dir);
    expect(back.config).toEqual(adapter.config);
    for (const [name, m] of adapter.modules) expect(sameModule(back.modules.get(name)!, m), name).toBe(true);
  });

  it('writes PEFT LoRA with format "lora"; ΔW read back within 1e-6 relative (Frobenius) of the float64 reference', async () => {
    const dir = join(root, 'lora');
    await writeAdapterFolder(dir, adapter, { format: 'lora' });
    const back = await readAdapterFolder(dir);
    expect(back.metadata.peftType).toBe('LORA');
    for (const [name, err] of deltaWeightErrors(back, adapter)) expect(err, name).toBeLessThanOrEqual(1e-6);
  });

  it('overwrites in place without leaving temporary files; a failing write leaves the old files untouched', async () => {
    const dir = join(root, 'overwrite');
    await writeAdapterFolder(dir, adapter);
    const other = randomAdapter({ n: 1, r: 2 }, MIXED_SPECS.slice(0, 1), 72);
    await writeAdapterFolder(dir, other);
    expect(readdirSync(dir).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
    expect((await readAdapterFolder(dir)).modules.size).toBe(1);
    const before = readFileSync(join(dir, ADAPTER_WEIGHTS_FILE));
    const broken = randomAdapter({ n: 1, r: 2 }, MIXED_SPECS, 73);
    broken.modules.get('vision.conv1')!.b[0] = Number.NaN;
    expect((await rejection(writeAdapterFolder(dir, broken))).code).toBe('ADAPTER_NOT_FINITE');
    expect(readdirSync(dir).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
    expect(readFileSync(join(dir, ADAPTER_WEIGHTS_FILE)).equals(before)).toBe(true);
  });

  it('a missing file → ADAPTER_MISSING_FILE naming the file and the folder and listing its contents', async () => {
    const dir = join(root, 'partial');
    mkdirSync(dir);
    writeFileSync(join(dir, ADAPTER_CONFIG_FILE), serializeAdapter(adapter).config);
    writeFileSync(join(dir, 'adapter_model.bin'), 'x');
    const e = await rejection(readAdapterFolder(dir));
    expect(e.code).toBe('ADAPTER_MISSING_FILE');
    expect(e.message).toContain(`No ${ADAPTER_WEIGHTS_FILE} in folder "${dir}"`);
    expect(e.message).toContain('It contains: "adapter_config.json", "adapter_model.bin".');
    expect(e.message).toMatch(/safe_serialization=True/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await rejection(readAdapterFolder(empty))).message).toMatch(/^No adapter_config\.json in folder .*It contains: nothing\./);
    const absent = await rejection(readAdapterFolder(join(root, 'absent')));
    expect(absent.code).toBe('ADAPTER_MISSING_FILE');
    expect(absent.message).toMatch(/absent" does not exist; expected a folder/);
  });
});

describe('adapter files in the browser (bytes only)', () => {
  const asFiles = (entries: Record<string, string | Uint8Array>): NamedFile[] =>
    Object.entries(entries).map(([name, data]) => ({
      name,
      arrayBuffer: async () => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
    }));

  it('readAdapterFiles picks the two files by name (paths allowed) and parses them', async () => {
    const { config, weights } = serializeAdapter(adapter);
    const back = await readAdapterFiles(asFiles({ 'README.md': '# hi', [`run/${ADAPTER_WEIGHTS_FILE}`]: weights, [ADAPTER_CONFIG_FILE]: config }));
    for (const [name, m] of adapter.modules) expect(sameModule(back.modules.get(name)!, m), name).toBe(true);
  });

  it('a missing file → ADAPTER_MISSING_FILE listing the files given', async () => {
    const e = await rejection(readAdapterFiles(asFiles({ [ADAPTER_CONFIG_FILE]: '{}', 'notes.txt': '' })));
    expect(e.code).toBe('ADAPTER_MISSING_FILE');
    expect(e.message).toMatch(/^No adapter_model\.safetensors in the selected files;.*It contains: "adapter_config\.json", "notes\.txt"\./);
  });
});
