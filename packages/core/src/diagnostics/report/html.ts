import type { InspectReport, UpdateDiagnostics } from '../inspect.js';
import { renderContributionBarsSvg, renderSimilarityHeatmapSvg, renderSpectrumHistogramSvg } from './figures.js';
import { escapeXml, formatNumber } from './svg.js';

/** One standalone figure of a report. */
export interface ReportFigure {
  /** File name to save it under, e.g. `spectrum-histogram.svg`. */
  file: string;
  title: string;
  svg: string;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'update';
}

/**
 * The report's figures as standalone SVG documents: the spectrum histogram, the φ heatmap (mean over
 * shared modules, when a comparison was made) and one contribution chart per adapter update.
 */
export function renderReportFigures(report: InspectReport): ReportFigure[] {
  const figures: ReportFigure[] = [
    { file: 'spectrum-histogram.svg', title: 'Spectrum histogram', svg: renderSpectrumHistogramSvg(report.histogram) },
  ];
  const sim = report.similarity;
  if (sim?.mean) {
    const subtitle = `mean over ${sim.modules.length} shared module${sim.modules.length === 1 ? '' : 's'}; ` +
      '1 = one subspace contains the other, 0 = orthogonal';
    figures.push({ file: 'subspace-similarity.svg', title: 'Subspace similarity', svg: renderSimilarityHeatmapSvg(sim.mean, sim.labels, sim.side, subtitle) });
  }
  const adapters = report.updates.filter((u) => u.kind === 'adapter');
  for (const u of adapters) {
    const file = adapters.length === 1 ? 'contributions.svg' : `contributions-${slug(u.label)}.svg`;
    figures.push({ file, title: `Per-module contributions: ${u.label}`, svg: renderContributionBarsSvg(u) });
  }
  return figures;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatNumber(v));

function moduleTable(update: UpdateDiagnostics, topK: number): string {
  const head = ['module', 'n×r', 'shape [out, in]', 'rank', '‖ΔW‖_F', 'entropy', 'eff. rank', 'stable rank', `top-${topK} energy`];
  const rows = update.modules.map((m) => [
    m.name,
    m.n !== undefined ? `${m.n}×${m.r}` : 'dense',
    `${m.shape[0]}×${m.shape[1]}`,
    String(m.metrics.rank),
    fmt(m.metrics.frobeniusNorm),
    fmt(m.metrics.entropy),
    fmt(m.metrics.effectiveRank),
    fmt(m.metrics.stableRank),
    fmt(m.metrics.topKEnergy),
  ]);
  return table(head, rows);
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${i === 0 ? ' class="name"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** One self-contained HTML page with the summary tables, every figure inline and the definitions. */
export function renderReportHtml(report: InspectReport): string {
  const figures = renderReportFigures(report);
  const { settings } = report;
  const sections: string[] = [];
  for (const u of report.updates) {
    sections.push(`<h2>${escapeXml(u.label)} <span class="kind">(${u.kind}${u.source ? `: ${escapeXml(u.source)}` : ''})</span></h2>`);
    sections.push(moduleTable(u, settings.topK));
  }
  for (const f of figures) sections.push(`<figure>${f.svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${escapeXml(f.title)} (${escapeXml(f.file)})</figcaption></figure>`);
  if (report.similarity) {
    const s = report.similarity;
    sections.push(`<h2>Subspace similarity per module (${s.side} singular vectors)</h2>`);
    sections.push(s.modules.length === 0
      ? '<p>No module is shared by both updates with a non-zero ΔW, so φ could not be computed.</p>'
      : table(['module', 'i × j', 'φ(1, 1)', 'φ(i, j) at the largest shared i = j'], s.modules.map((m) => {
          const d = Math.min(m.rows, m.cols);
          return [m.name, `${m.rows}×${m.cols}`, fmt(m.phi[0][0]), fmt(m.phi[d - 1][d - 1])];
        })));
  }
  if (report.intruders) {
    sections.push(`<h2>Intruder dimensions (k = ${settings.intruderK}, ε = ${settings.intruderEpsilon})</h2>`);
    sections.push(table(['module', 'intruders', 'indices (max |cos|)'], report.intruders.map((r) => [
      r.module,
      `${r.count} of ${r.k}`,
      r.candidates.filter((c) => c.intruder).map((c) => `${c.index + 1} (${c.maxCosine.toFixed(2)})`).join(', ') || '—',
    ])));
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>multilora inspect report</title>
<style>
body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.name { text-align: left; font-family: monospace; }
figure { margin: 1.5em 0; } figcaption { color: #555; font-size: 13px; } .kind { font-weight: normal; color: #666; font-size: 0.8em; }
dt { font-weight: bold; margin-top: 0.4em; }
</style></head><body>
<h1>multilora inspect</h1>
<p>Created ${escapeXml(report.createdAt)}. Zero tolerance: ${escapeXml(settings.zeroTolerance)}.</p>
${sections.join('\n')}
<h2>Definitions</h2>
<dl>
<dt>‖ΔW‖_F</dt><dd>Frobenius norm of the update ΔW = γ · Σ_i s_i ⊙ B_i A_i (adapters, computed exactly from the factors) or of the dense update.</dd>
<dt>entropy</dt><dd>Normalised spectral entropy −Σ p_j ln p_j / ln K with p_j = σ_j² / Σ σ², K counted singular values; 1 = perfectly democratic, 0 when K = 1, — for a zero update.</dd>
<dt>eff. rank</dt><dd>Effective rank exp(−Σ q_j ln q_j), q_j = σ_j / Σ σ (Roy &amp; Vetterli 2007).</dd>
<dt>stable rank</dt><dd>Σ σ² / σ_1².</dd>
<dt>top-${settings.topK} energy</dt><dd>Σ_{j≤${settings.topK}} σ_j² / Σ σ².</dd>
<dt>φ(i, j)</dt><dd>‖U_{:i}ᵀ V_{:j}‖_F² / min(i, j) between the leading singular vectors of two updates (Hu et al. 2021, Eq. 4).</dd>
<dt>intruder dimension</dt><dd>A top-k left singular vector of W0 + ΔW whose largest |cosine| with any left singular vector of W0 is below ε (Shuttleworth et al. 2024).</dd>
</dl>
</body></html>
`;
}
