// The core example that `npm run demo` runs until the full `multilora demo` lands: build a MultiLoRA
// adapter for a Llama-style layer list, give it a non-zero update, write it as a native adapter
// folder and as a plain PEFT LoRA (lossless export), read both back and check they mean the same ΔW.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SeededRandom, createAdapter, referenceDeltaWeight, summarizeAdapter, toLoraAdapter,
} from '@multilora/core';
import { readAdapterFolder, writeAdapterFolder } from '@multilora/core/node';

const hidden = 256;
const layers = 2;
const specs = [];
for (let l = 0; l < layers; l++) {
  for (const proj of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
    specs.push({ name: `model.layers.${l}.self_attn.${proj}`, inShape: [hidden], outFeatures: hidden });
  }
}
const adapter = createAdapter(
  { n: 4, r: 8, loraAlpha: 16, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], seed: 42 },
  specs,
  { baseModelNameOrPath: 'example/llama-tiny', taskType: 'CAUSAL_LM' },
);

// A fresh MultiLoRA adapter has every scale at 0 (ΔW = 0); pretend training moved them.
const rng = new SeededRandom(7);
for (const m of adapter.modules.values()) for (let i = 0; i < m.scale.length; i++) m.scale[i] = rng.uniform(-0.5, 0.5);

const summary = summarizeAdapter(adapter);
console.log(`MultiLoRA adapter: ${summary.modules} modules, n = ${summary.n}, r = ${summary.r}, ${summary.totalParams.toLocaleString('en')} parameters`);
console.table(summary.perModule.slice(0, 4).map(({ name, r, inShape, outFeatures, gamma, params }) => ({
  module: name, r, in: inShape.join('×'), out: outFeatures, gamma, params,
})));

const dir = mkdtempSync(join(tmpdir(), 'multilora-example-'));
await writeAdapterFolder(join(dir, 'multilora'), adapter);
await writeAdapterFolder(join(dir, 'lora'), adapter, { format: 'lora' });
const native = await readAdapterFolder(join(dir, 'multilora'));
const lora = await readAdapterFolder(join(dir, 'lora'));

let worst = 0;
for (const [name, m] of adapter.modules) {
  const want = referenceDeltaWeight(m);
  for (const other of [native.modules.get(name), lora.modules.get(name)]) {
    const got = referenceDeltaWeight(other);
    let num = 0, den = 0;
    for (let i = 0; i < want.length; i++) { num += (got[i] - want[i]) ** 2; den += want[i] ** 2; }
    worst = Math.max(worst, Math.sqrt(num / den));
  }
}
const exported = toLoraAdapter(adapter);
const first = [...exported.modules.values()][0];
console.log(`\nWrote ${join(dir, 'multilora')} (peft_type MULTILORA) and ${join(dir, 'lora')} (peft_type LORA, r = ${first.r}).`);
console.log(`Both read back to the same ΔW: worst relative Frobenius error ${worst.toExponential(2)} (float32 storage).`);
