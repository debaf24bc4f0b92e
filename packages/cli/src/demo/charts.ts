/**
 * The demo's own figures as standalone SVG: grouped accuracy bars per task and smoothed training-loss
 * curves. (The spectrum and φ figures come from @multilora/core's renderers.)
 */

/** Colours per series: base model, full fine-tuning, LoRA, MultiLoRA. */
export const SERIES_COLORS = ['#9e9e9e', '#1b7837', '#d95f02', '#3153a8'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13"';

function legend(x: number, y: number, labels: readonly string[], colors: readonly string[]): string {
  return labels.map((l, i) => `<rect x="${x}" y="${y + i * 20}" width="14" height="14" fill="${colors[i]}"/>` +
    `<text x="${x + 20}" y="${y + i * 20 + 12}">${esc(l)}</text>`).join('');
}

function doc(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>` +
    `<rect width="100%" height="100%" fill="#fff"/><text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>${body}</svg>\n`;
}

/** Grouped bars: one group per task (and the mean), one bar per series, values in [0, 1] as %. */
export function accuracyBarsSvg(tasks: readonly string[], series: readonly { label: string; values: readonly number[] }[]): string {
  const width = 820;
  const height = 400;
  const [left, right, top, bottom] = [56, 210, 44, 48];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const group = plotW / tasks.length;
  const bar = (group * 0.8) / series.length;
  const y = (v: number) => top + plotH * (1 - v);
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t * 100}</text>`);
  }
  tasks.forEach((task, g) => {
    const gx = left + g * group + group * 0.1;
    series.forEach((s, k) => {
      const v = s.values[g];
      parts.push(`<rect x="${gx + k * bar}" y="${y(v)}" width="${bar - 2}" height="${y(0) - y(v)}" fill="${SERIES_COLORS[k % SERIES_COLORS.length]}"><title>${esc(s.label)}, ${esc(task)}: ${(100 * v).toFixed(1)}%</title></rect>`);
      if (bar >= 22) parts.push(`<text x="${gx + k * bar + (bar - 2) / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${Math.round(100 * v)}</text>`);
    });
    parts.push(`<text x="${left + g * group + group / 2}" y="${top + plotH + 20}" text-anchor="middle">${esc(task)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  parts.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">exact-match accuracy (%)</text>`);
  parts.push(legend(left + plotW + 16, top + 10, series.map((s) => s.label), SERIES_COLORS));
  return doc(width, height, 'Accuracy per task on held-out examples', parts.join(''));
}

/** Moving average over `window` steps. */
function smooth(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** Training-loss curves (moving average), log-scaled loss axis, one line per series. */
export function lossCurvesSvg(series: readonly { label: string; losses: readonly number[] }[], colors: readonly string[]): string {
  const width = 820;
  const height = 380;
  const [left, right, top, bottom] = [64, 210, 44, 52];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const steps = Math.max(...series.map((s) => s.losses.length));
  const window = Math.max(1, Math.round(steps / 50));
  const curves = series.map((s) => smooth(s.losses, window));
  const all = curves.flat().filter((v) => v > 0);
  const lo = Math.log10(Math.min(...all));
  const hi = Math.log10(Math.max(...all));
  const [a, b] = [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
  const x = (i: number) => left + (plotW * i) / Math.max(1, steps - 1);
  const y = (v: number) => top + plotH * (1 - (Math.log10(Math.max(v, 10 ** a)) - a) / (b - a));
  const parts: string[] = [];
  for (let e = a; e <= b; e++) {
    for (const m of e < b ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="${m === 1 ? '#ccc' : '#eee'}"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v}</text>`);
    }
  }
  for (let k = 0; k <= 4; k++) {
    const i = Math.round(((steps - 1) * k) / 4);
    parts.push(`<text x="${x(i)}" y="${top + plotH + 18}" text-anchor="middle" font-size="11">${i + 1}</text>`);
  }
  curves.forEach((c, k) => {
    const d = c.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${colors[k % colors.length]}" stroke-width="2"/>`);
  });
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${height - 12}" text-anchor="middle">step (moving average over ${window})</text>`);
  parts.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">training loss (log scale)</text>`);
  parts.push(legend(left + plotW + 16, top + 10, series.map((s) => s.label), colors));
  return doc(width, height, 'Fine-tuning loss on the mixture', parts.join(''));
}
