import { SeededRandom, deriveSeed } from '@multilora/core';
import type { Diagnostics } from './diagnose.js';
import type { Experiment } from './experiment.js';
import type { DemoSettings } from './settings.js';

/** A figure of the report: file name (under figures/) and SVG text. */
export interface Figure {
  file: string;
  caption: string;
  svg: string;
}

/** Everything the HTML report shows. */
export interface ReportInput {
  settings: DemoSettings;
  experiment: Experiment;
  diagnostics: Diagnostics;
  conclusions: string[];
  figures: Figure[];
  /** Paths printed in the files section (adapter folders, results.json, …), relative to the report. */
  files: { path: string; what: string }[];
  runtime: { seconds: number; backend: string; kernels: string; createdAt: string };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** Numbers (and "—") align right; words align left. */
const NUMERIC = /^([−+-]?[\d.,]+%?( \(k = \d+\))?|—)$/;

function table(head: readonly string[], rows: readonly (readonly string[])[], bold?: (r: number, c: number) => boolean): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((row, r) => `<tr>${row.map((c, i) => `<td${NUMERIC.test(c) ? ' class="num"' : ''}>${bold?.(r, i) ? `<b>${esc(c)}</b>` : esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(figures: readonly Figure[], file: string): string {
  const f = figures.find((x) => x.file === file);
  return f ? `<figure>${f.svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${esc(f.caption)} (figures/${esc(f.file)})</figcaption></figure>` : '';
}

function tokens(ids: readonly number[]): string {
  const names = ['·', ...'0123456789', '+', '−', '×', 'COPY', 'INC', 'REV', 'MAJ', 'LOOKUP', 'ARITH'];
  return ids.map((t) => names[t] ?? `#${t}`).join(' ');
}

function accuracySection(input: ReportInput): string {
  const { experiment: e } = input;
  const baseNames = e.baseTasks.map((t) => t.name);
  const tasks = e.tasks.map((t) => t.name);
  const rows = [
    ['Base model (no fine-tuning)', ...tasks.map((t) => pct(e.base.accuracy[t])), pct(Object.values(e.base.accuracy).reduce((a, b) => a + b, 0) / tasks.length), '—'],
    ...e.methods.map(({ result: r }) => [r.label, ...tasks.map((t) => pct(r.accuracy[t])), pct(r.meanAccuracy), `${r.trainablePercent.toFixed(2)}%`]),
  ];
  const best = tasks.map((t) => Math.max(...e.methods.map((m) => m.result.accuracy[t])));
  const bestMean = Math.max(...e.methods.map((m) => m.result.meanAccuracy));
  const bold = (r: number, c: number) => r > 0 && ((c >= 1 && c <= tasks.length && e.methods[r - 1].result.accuracy[tasks[c - 1]] === best[c - 1]) || (c === tasks.length + 1 && e.methods[r - 1].result.meanAccuracy === bestMean));
  return `<section id="accuracy"><h2>Accuracy</h2>
<p>Exact match (every answer token right) on held-out examples; the knowledge task is tested on its whole table. Best per column in bold.</p>
${table(['method', ...tasks, 'mean', 'trainable'], rows, bold)}
${figure(input.figures, 'accuracy.svg')}
<p>What was kept of the base tasks after fine-tuning (exact match):</p>
${table(['method', ...baseNames], [['Base model', ...baseNames.map((t) => pct(e.base.baseAccuracy[t]))], ...e.methods.map(({ result: r }) => [r.label, ...baseNames.map((t) => pct(r.baseAccuracy[t]))])])}
</section>`;
}

function trainingSection(input: ReportInput): string {
  const { experiment: e, settings: s } = input;
  const rows = e.methods.map(({ result: r }) => [
    r.label, r.trainable.toLocaleString('en'), r.total.toLocaleString('en'), `${r.trainablePercent.toFixed(2)}%`, String(r.learningRate),
    r.stepMs.toFixed(1), r.stepsPerSecond.toFixed(1), r.samplesPerSecond.toFixed(0), r.seconds.toFixed(1),
  ]);
  return `<section id="training"><h2>Training</h2>
<p>Every method starts from the same pretrained base and sees the same ${s.steps} batches of ${s.batch} (seed ${s.seed}); Adam.
Pretraining took ${e.base.seconds.toFixed(1)} s (${s.pretrainSteps} steps).</p>
${table(['method', 'trainable', 'total', 'share', 'learning rate', 'median step (ms)', 'steps/s', 'samples/s', 'time (s)'], rows)}
${figure(input.figures, 'loss.svg')}
</section>`;
}

function spectrumSection(input: ReportInput): string {
  const d = input.diagnostics;
  const summary = d.methods.map((m) => [m.label, num(m.summary.entropy), num(m.summary.effectiveRank, 2), num(m.summary.stableRank, 2), num(m.summary.topKEnergy)]);
  const layers = d.methods.flatMap((m) => m.update.modules.map((x) => [
    m.label, x.name, `${x.shape[0]}×${x.shape[1]}`, String(x.metrics.rank), num(x.metrics.frobeniusNorm), num(x.metrics.entropy), num(x.metrics.effectiveRank, 2), num(x.metrics.topKEnergy),
  ]));
  return `<section id="spectrum"><h2>Spectrum of ΔW</h2>
<p>SVD of each method's weight update on the adapted layers (fc1–fc3): the adapters' ΔW = γ · Σ<sub>i</sub> s<sub>i</sub> ⊙ B<sub>i</sub>A<sub>i</sub>
from their factors, full fine-tuning's ΔW = W<sub>ft</sub> − W<sub>0</sub> densely. The MultiLoRA paper reports that LoRA's update is dominated
by a few singular values, and MultiLoRA's is more democratic (higher entropy, lower top-k energy), closer to full fine-tuning.</p>
${table(['method (mean over layers)', 'spectral entropy', 'effective rank', 'stable rank', `top-${d.topK} energy`], summary)}
${figure(input.figures, 'spectrum-histogram.svg')}
<details><summary>Per layer</summary>
${table(['method', 'layer', 'shape', 'rank', '‖ΔW‖_F', 'entropy', 'eff. rank', `top-${d.topK} energy`], layers)}
</details>
</section>`;
}

function similaritySection(input: ReportInput): string {
  const adapters = input.diagnostics.methods.filter((m) => m.similarity);
  const rows = adapters.flatMap((m) => m.similarity!.modules.map((x) => {
    const k = Math.min(x.rows, x.cols);
    return [m.label, x.name, num(x.phi[0][0]), `${num(x.phi[k - 1][k - 1])} (k = ${k})`];
  }));
  return `<section id="similarity"><h2>Subspace similarity to full fine-tuning</h2>
<p>φ(i, j) = ‖U<sub>:i</sub><sup>T</sup> V<sub>:j</sub>‖<sub>F</sub><sup>2</sup> / min(i, j) between the top right singular vectors of an adapter's ΔW (i) and of full
fine-tuning's ΔW (j) (Hu et al. 2021, Eq. 4): 1 means one subspace contains the other, 0 orthogonal; about k/in for random subspaces.</p>
${table(['adapter', 'layer', 'φ(1, 1)', 'φ(k, k)'], rows)}
${adapters.map((m) => figure(input.figures, `similarity-${m.method}.svg`)).join('\n')}
</section>`;
}

/** The demo's self-contained HTML report: setup, accuracy, training, spectra, φ, contributions, conclusions, files. */
export function renderDemoReport(input: ReportInput): string {
  const { settings: s, experiment: e, runtime } = input;
  const taskRows = [...e.baseTasks, ...e.tasks].map((t) => [t.name, t.kind === 'base' ? 'base (pretraining)' : t.kind, t.description]);
  const examples = e.tasks.map((t) => {
    const ex = t.sample(new SeededRandom(deriveSeed(s.seed, `example-${t.name}`)));
    return [t.name, tokens(ex.input), tokens(ex.target)];
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MultiLoRA demo report</title>
<style>
body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 13px; }
section { border-top: 1px solid #ddd; padding-top: 0.4em; } code { background: #f5f5f5; padding: 0 3px; }
#conclusions li { margin: 0.3em 0; } .muted { color: #666; }
</style></head><body>
<h1>MultiLoRA demo: full fine-tuning vs LoRA vs MultiLoRA, in miniature</h1>
<p class="muted">Created ${esc(runtime.createdAt)}; ${runtime.seconds.toFixed(0)} s in all on tfjs's <code>${esc(runtime.backend)}</code> backend with the <code>${esc(runtime.kernels)}</code> fused kernel.</p>
<section id="conclusions"><h2>Conclusions (measured in this run)</h2>
<ul>${input.conclusions.map((c) => `<li>${esc(c)}</li>`).join('\n')}</ul>
</section>
<section id="setup"><h2>Setup</h2>
<p>A small base model (token embedding ${s.embedding} → 3 Dense layers of ${s.hidden}, the last two residual → one softmax per answer position) is pretrained
on the base tasks, then fine-tuned on a mixture of four deliberately different tasks, each input prefixed by its task token. Everything is generated
from seed ${s.seed}; nothing is downloaded. LoRA has rank n·r = ${s.n * s.r}; MultiLoRA has n = ${s.n} modules of rank r = ${s.r}: the same A and B
sizes (MultiLoRA adds ${s.n} scales per layer). Adapters target fc1, fc2 and fc3 with γ = 1.</p>
${table(['task', 'kind', 'what it asks'], taskRows)}
<p>An example of each mixture task (· is padding):</p>
${table(['task', 'input', 'answer'], examples)}
</section>
${accuracySection(input)}
${trainingSection(input)}
${spectrumSection(input)}
${similaritySection(input)}
<section id="contributions"><h2>MultiLoRA's parallel modules</h2>
<p>The share of each layer's ‖ΔW‖<sub>F</sub> that each of the n modules carries (learned scales s<sub>i</sub>).</p>
${figure(input.figures, 'contributions-multilora.svg')}
</section>
<section id="files"><h2>Files</h2>
${table(['path', 'what'], input.files.map((f) => [f.path, f.what]))}
<p>Inspect an adapter against full fine-tuning yourself: <code>multilora inspect adapters/multilora --compare full-ft-delta.safetensors</code>.</p>
</section>
</body></html>
`;
}
