import type { SimilarityGrid, UpdateDiagnostics } from '../inspect.js';
import type { LogSpectrumHistogram } from '../spectrum.js';
import { PALETTE, axes, escapeXml, formatNumber, legend, niceTicks, scale, svgDocument, textWidth, viridis, type Frame } from './svg.js';

/**
 * The spectrum histogram (the paper's Figures 1 and 5): −ln σ of every counted singular value, one
 * translucent series per update, as a share of that update's values so that updates of different
 * rank compare. The left end holds the large singular values.
 */
export function renderSpectrumHistogramSvg(histogram: LogSpectrumHistogram): string {
  const frame: Frame = { width: 760, height: 460, left: 78, right: 24, top: 60, bottom: 62 };
  const { edges, series } = histogram;
  const maxShare = Math.max(0.01, ...series.flatMap((s) => s.fractions)) * 100;
  const yTicks = niceTicks(0, maxShare * 1.08, 5);
  const yMax = Math.max(yTicks[yTicks.length - 1], maxShare * 1.08);
  const x = scale(edges[0], edges[edges.length - 1], frame.left, frame.width - frame.right);
  const y = scale(0, yMax, frame.height - frame.bottom, frame.top);
  const parts = [
    axes(frame,
      { ticks: niceTicks(edges[0], edges[edges.length - 1], 8), at: x, title: '−ln σ   (σ: singular value of ΔW; larger σ to the left)' },
      { ticks: yTicks, at: y, title: 'share of singular values (%)', label: (v) => formatNumber(v), grid: true }),
  ];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    let outline = `M ${x(edges[0])} ${y(0)}`;
    s.fractions.forEach((f, b) => {
      const h = f * 100;
      if (h > 0) {
        parts.push(`<rect x="${x(edges[b])}" y="${y(h)}" width="${Math.max(0, x(edges[b + 1]) - x(edges[b]))}" ` +
          `height="${y(0) - y(h)}" fill="${color}" fill-opacity="0.35"/>`);
      }
      outline += ` L ${x(edges[b])} ${y(h)} L ${x(edges[b + 1])} ${y(h)}`;
    });
    outline += ` L ${x(edges[edges.length - 1])} ${y(0)}`;
    parts.push(`<path d="${outline}" fill="none" stroke="${color}" stroke-width="2"/>`);
  });
  const entries = series.map((s, k) => ({ label: `${s.label} (${s.total} values)`, color: PALETTE[k % PALETTE.length] }));
  const legendWidth = 36 + Math.max(...entries.map((e) => textWidth(e.label)));
  parts.push(legend(frame.width - frame.right - legendWidth - 6, frame.top + 6, entries));
  return svgDocument(frame.width, frame.height, 'Spectrum of ΔW: histogram of −ln σ',
    'all adapted modules pooled; only singular values above the zero tolerance', parts.join('\n'));
}

/**
 * The subspace-similarity heatmap (LoRA paper, Figure 3/4 style): φ(i, j) on a viridis scale with a
 * colour bar, i down the rows (first update), j across (second update).
 */
export function renderSimilarityHeatmapSvg(grid: SimilarityGrid, labels: readonly [string, string], side: 'left' | 'right', subtitle: string): string {
  const cell = Math.max(6, Math.min(28, Math.floor(440 / Math.max(grid.rows, grid.cols))));
  const frame: Frame = { width: 0, height: 0, left: 84, right: 120, top: 76, bottom: 66 };
  frame.width = Math.max(560, frame.left + grid.cols * cell + frame.right, textWidth(subtitle) * 0.93 + 40);
  frame.height = frame.top + grid.rows * cell + frame.bottom;
  const x0 = frame.left;
  const y0 = frame.top;
  const parts: string[] = [];
  for (let i = 0; i < grid.rows; i++) {
    for (let j = 0; j < grid.cols; j++) {
      const v = grid.phi[i][j];
      parts.push(`<rect x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell}" height="${cell}" fill="${viridis(v)}"><title>φ(${i + 1}, ${j + 1}) = ${v.toFixed(3)}</title></rect>`);
    }
  }
  const ticks = (n: number) => [...new Set([1, ...niceTicks(1, n, Math.min(8, n))])].filter((t) => Number.isInteger(t) && t >= 1 && t <= n);
  const xAt = (j: number) => x0 + (j - 0.5) * cell;
  const yAt = (i: number) => y0 + (i - 0.5) * cell;
  const plotFrame: Frame = { ...frame, right: frame.width - (x0 + grid.cols * cell), bottom: frame.height - (y0 + grid.rows * cell) };
  const vectors = side === 'left' ? 'left' : 'right';
  parts.push(axes(plotFrame,
    { ticks: ticks(grid.cols), at: xAt, title: `j: top-j ${vectors} singular vectors of ${labels[1]}`, label: String },
    { ticks: ticks(grid.rows), at: yAt, title: `i: top-i ${vectors} singular vectors of ${labels[0]}`, label: String }));
  // Colour bar.
  const barX = x0 + grid.cols * cell + 28;
  const barH = Math.max(120, grid.rows * cell);
  const steps = 50;
  for (let k = 0; k < steps; k++) {
    parts.push(`<rect x="${barX}" y="${y0 + (barH * k) / steps}" width="16" height="${barH / steps + 0.5}" fill="${viridis(1 - k / steps)}"/>`);
  }
  parts.push(`<rect x="${barX}" y="${y0}" width="16" height="${barH}" fill="none" stroke="#333"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const py = y0 + barH * (1 - t);
    parts.push(`<line x1="${barX + 16}" y1="${py}" x2="${barX + 21}" y2="${py}" stroke="#333"/>`);
    parts.push(`<text x="${barX + 24}" y="${py + 4}">${t}</text>`);
  }
  parts.push(`<text x="${barX + 8}" y="${y0 - 12}" text-anchor="middle" font-size="14" font-style="italic">φ</text>`);
  return svgDocument(frame.width, frame.height, `Subspace similarity φ(i, j): ${labels[0]} vs ${labels[1]}`, subtitle, parts.join('\n'));
}

/** `name` cut from the left to at most `max` characters (module paths differ at their ends). */
function shorten(name: string, max: number): string {
  return name.length <= max ? name : `…${name.slice(name.length - max + 1)}`;
}

/**
 * Per-module contribution bars: for every adapted layer, one horizontal bar per parallel module i
 * with ‖γ·s_i ⊙ B_i A_i‖_F / ‖ΔW‖_F. Layers whose ΔW is zero are labelled so.
 */
export function renderContributionBarsSvg(update: UpdateDiagnostics): string {
  const layers = update.modules.filter((m) => m.contributions);
  const n = Math.max(1, ...layers.map((m) => m.contributions?.length ?? 1));
  const bar = n > 4 ? 8 : 12;
  const groupHeight = n * bar + 10;
  const names = layers.map((m) => shorten(m.name, 42));
  const left = Math.min(360, 44 + Math.max(80, ...names.map(textWidth)));
  const frame: Frame = { width: Math.max(760, left + 480), height: 0, left, right: 150, top: 64, bottom: 62 };
  frame.height = frame.top + Math.max(1, layers.length) * groupHeight + frame.bottom;
  const maxShare = Math.max(1, ...layers.flatMap((m) => m.contributions?.map((c) => c.share ?? 0) ?? []));
  const xTicks = niceTicks(0, maxShare, 5);
  const x = scale(0, xTicks[xTicks.length - 1], frame.left, frame.width - frame.right);
  const parts = [axes(frame, { ticks: xTicks, at: x, title: 'share of ‖ΔW‖_F:  ‖γ · s_i ⊙ B_i A_i‖_F / ‖ΔW‖_F', grid: true },
    { ticks: [], at: (v) => v, title: 'adapted layer' })];
  layers.forEach((m, g) => {
    const gy = frame.top + g * groupHeight + 5;
    parts.push(`<text x="${frame.left - 8}" y="${gy + (n * bar) / 2 + 4}" text-anchor="end">${escapeXml(names[g])}</text>`);
    const contributions = m.contributions ?? [];
    if (contributions.every((c) => c.share === null)) {
      parts.push(`<text x="${frame.left + 6}" y="${gy + (n * bar) / 2 + 4}" fill="#777">ΔW = 0 (all scales zero)</text>`);
      return;
    }
    contributions.forEach((c, i) => {
      const w = x(c.share ?? 0) - frame.left;
      parts.push(`<rect x="${frame.left}" y="${gy + i * bar}" width="${Math.max(0, w)}" height="${bar - 1}" fill="${PALETTE[i % PALETTE.length]}">` +
        `<title>${escapeXml(m.name)}, module ${i + 1}: ${formatNumber(c.norm)} (${((c.share ?? 0) * 100).toFixed(1)}% of ‖ΔW‖_F)</title></rect>`);
    });
  });
  const entries = Array.from({ length: Math.min(n, PALETTE.length) }, (_, i) => ({ label: `module ${i + 1}`, color: PALETTE[i] }));
  if (n > PALETTE.length) entries.push({ label: `(colours repeat after ${PALETTE.length})`, color: '#ffffff' });
  parts.push(legend(frame.width - frame.right + 12, frame.top, entries));
  return svgDocument(frame.width, frame.height, `Per-module contributions: ${update.label}`,
    `each bar: one of the n parallel LoRA modules of a layer, as a share of that layer's ‖ΔW‖_F`, parts.join('\n'));
}
