// The built `multilora` executable (packages/cli/dist/cli.js, after `npm run build`) runs as a
// program: shebang, executable bit, and `inspect` on the real PEFT fixture.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'packages/cli/dist/cli.js');
const fixture = join(root, '../shared/fixtures/peft-gpt2-lora');

describe('dist/cli.js', () => {
  it('is an executable with a node shebang that prints its help', () => {
    expect(existsSync(cli), `${cli} is missing: run npm run build`).toBe(true);
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    accessSync(cli, constants.X_OK);
    const r = spawnSync(cli, ['inspect', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: multilora inspect <adapter-dir>');
  });

  it('loads neither tfjs nor transformers.js for --help (commands load on first use)', () => {
    // A module-resolution hook that prints every bare specifier the program imports.
    const hooks = 'export async function resolve(s, c, next) { if (!/^[./]|^node:|^file:/.test(s)) console.log("import " + s); return next(s, c); }';
    const register = `import { register } from 'node:module'; register('data:text/javascript,${encodeURIComponent(hooks)}');`;
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, cli, ...args], { encoding: 'utf8' });
    const help = run(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: multilora <command>');
    expect(help.stdout).not.toMatch(/import (@tensorflow|@huggingface|@xenova|onnxruntime)/);
    // The hook does see imports: the train command's help loads tfjs.
    expect(run(['train', '--help']).stdout).toMatch(/import @tensorflow\/tfjs/);
  });

  it('inspects the real PEFT GPT-2 LoRA fixture (36 modules, rank 8) and writes the report', () => {
    const out = mkdtempSync(join(tmpdir(), 'multilora-dist-'));
    try {
      const r = spawnSync(process.execPath, [cli, 'inspect', fixture, '--out', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('peft-gpt2-lora (adapter, 36 modules)');
      expect(r.stdout).toMatch(/transformer\.h\.0\.attn\.c_attn\s+1×8\s/);
      expect(readdirSync(out).sort()).toEqual(['contributions.svg', 'report.html', 'report.json', 'spectrum-histogram.svg']);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.updates[0].modules.every((m: { metrics: { rank: number } }) => m.metrics.rank === 8)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
