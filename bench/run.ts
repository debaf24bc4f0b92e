/**
 * Runs every benchmark in bench/ (or those named on the command line: `npm run bench -- safetensors`),
 * each in its own process so that one cannot warm or disturb another.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}.`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : all) {
  console.log(`\n== ${name} ==`);
  execFileSync(process.execPath, ['--import', 'tsx', `${dir}${name}.bench.ts`], { stdio: 'inherit' });
}
