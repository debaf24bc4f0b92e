import type { Diagnostics } from './diagnose.js';
import type { MethodResult } from './experiment.js';

/** Accuracy differences smaller than this (in points of %) are reported as a tie. */
export const TIE_POINTS = 1;

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(3));

function compare(a: number, b: number): 'higher' | 'lower' | 'tie' {
  const d = 100 * (a - b);
  return Math.abs(d) < TIE_POINTS ? 'tie' : d > 0 ? 'higher' : 'lower';
}

/**
 * The run's conclusions, each computed from its measurements (never fixed in advance): MultiLoRA
 * against LoRA on mean and per-task accuracy, the gap to full fine-tuning, spectral entropy and
 * φ to full fine-tuning, trainable share and throughput. Where MultiLoRA does not beat LoRA, it says so.
 */
export function conclusions(results: readonly MethodResult[], diagnostics: Diagnostics, testSizes: Record<string, number>): string[] {
  const by = (m: string) => results.find((r) => r.method === m)!;
  const [full, lora, multi] = [by('full'), by('lora'), by('multilora')];
  const lines: string[] = [];
  const mean = compare(multi.meanAccuracy, lora.meanAccuracy);
  const diff = (100 * (multi.meanAccuracy - lora.meanAccuracy)).toFixed(1);
  lines.push(mean === 'higher'
    ? `MultiLoRA beat LoRA at equal adapter budget in this run: mean accuracy ${pct(multi.meanAccuracy)} vs ${pct(lora.meanAccuracy)} (+${diff} points).`
    : mean === 'lower'
      ? `MultiLoRA did NOT beat LoRA in this run: mean accuracy ${pct(multi.meanAccuracy)} vs ${pct(lora.meanAccuracy)} (${diff} points).`
      : `MultiLoRA and LoRA tied in this run (within ${TIE_POINTS} point): mean accuracy ${pct(multi.meanAccuracy)} vs ${pct(lora.meanAccuracy)}.`);
  const tasks = Object.keys(multi.accuracy);
  const wins = tasks.filter((t) => compare(multi.accuracy[t], lora.accuracy[t]) === 'higher');
  const losses = tasks.filter((t) => compare(multi.accuracy[t], lora.accuracy[t]) === 'lower');
  lines.push(`Per task, MultiLoRA was higher than LoRA on ${wins.length ? wins.join(', ') : 'no task'}` +
    `${losses.length ? `, lower on ${losses.join(', ')}` : ''}` +
    `${tasks.length - wins.length - losses.length ? `, within ${TIE_POINTS} point on the rest` : ''} ` +
    `(test sets of ${[...new Set(Object.values(testSizes))].join(' / ')} examples; one seed: rerun with --seed to see the spread).`);
  const gap = (r: MethodResult) => {
    const d = 100 * (full.meanAccuracy - r.meanAccuracy);
    return Math.abs(d) < 0.05 ? 'level with' : d > 0 ? `${d.toFixed(1)} points ahead of` : `${(-d).toFixed(1)} points behind`;
  };
  lines.push(`Full fine-tuning (${full.trainablePercent.toFixed(0)}% of the weights trainable) reached ${pct(full.meanAccuracy)} mean accuracy: ` +
    `${gap(lora)} LoRA and ${gap(multi)} MultiLoRA, which train ${lora.trainablePercent.toFixed(2)}% and ${multi.trainablePercent.toFixed(2)}% of the weights.`);
  const d = (m: string) => diagnostics.methods.find((x) => x.method === m)!;
  const [dl, dm, df] = [d('lora'), d('multilora'), d('full')];
  const ent = dm.summary.entropy !== null && dl.summary.entropy !== null ? dm.summary.entropy - dl.summary.entropy : null;
  lines.push(ent === null
    ? 'Spectral entropy could not be compared (an update was zero).'
    : `Spectrum of ΔW: MultiLoRA's mean normalised spectral entropy is ${f3(dm.summary.entropy)} against LoRA's ${f3(dl.summary.entropy)} ` +
      `(${ent > 0 ? 'more democratic, as the paper reports' : 'not more democratic than LoRA here, unlike the paper'}); full fine-tuning: ${f3(df.summary.entropy)}. ` +
      `Top-${diagnostics.topK} energy: MultiLoRA ${f3(dm.summary.topKEnergy)}, LoRA ${f3(dl.summary.topKEnergy)}, full ${f3(df.summary.topKEnergy)}.`);
  if (dm.phiTopK !== undefined && dl.phiTopK !== undefined) {
    lines.push(`Subspace similarity to full fine-tuning's ΔW (φ(k, k), k = ${dm.k}, mean over layers): MultiLoRA ${f3(dm.phiTopK)}, LoRA ${f3(dl.phiTopK)}: ` +
      `${dm.phiTopK > dl.phiTopK ? 'MultiLoRA\'s update lies closer to full fine-tuning\'s' : 'MultiLoRA\'s update is not closer to full fine-tuning\'s than LoRA\'s'}.`);
  }
  const speed = multi.stepsPerSecond / lora.stepsPerSecond;
  lines.push(`Throughput: MultiLoRA ran ${multi.stepsPerSecond.toFixed(1)} steps/s, ${(100 * speed).toFixed(0)}% of LoRA's ${lora.stepsPerSecond.toFixed(1)} (full fine-tuning ${full.stepsPerSecond.toFixed(1)}).`);
  return lines;
}
