/**
 * A small SVG line chart with axes, ticks, axis labels and a legend: enough for a live loss curve and a
 * singular-value spectrum, with no charting dependency. Redrawn whole on every update (a few hundred
 * points at most).
 */

/** One line of a chart. */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  /** Draw a marker at every point (for short series such as a spectrum). */
  markers?: boolean;
}

/** What to draw. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Logarithmic y axis (base 10); points with y ≤ 0 are left out. */
  logY?: boolean;
  /** Integer x ticks only (indices). */
  integerX?: boolean;
  /** Shown in the plot area when there is nothing to draw. */
  emptyText?: string;
}

const W = 560;
const H = 320;
const M = { left: 64, right: 16, top: 34, bottom: 48 };
const NS = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `count` round tick values covering [lo, hi]. */
function linearTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-4 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(3)));
}

/** Draws `spec` into `svg` (replacing what was there). */
export function drawChart(svg: SVGSVGElement, spec: ChartSpec): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', spec.title);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  svg.append(el('text', { x: M.left, y: 20, class: 'chart-title' }, spec.title));
  svg.append(el('text', { x: M.left + plotW / 2, y: H - 8, class: 'chart-label', 'text-anchor': 'middle' }, spec.xLabel));
  svg.append(el('text', { x: 14, y: M.top + plotH / 2, class: 'chart-label', 'text-anchor': 'middle', transform: `rotate(-90 14 ${M.top + plotH / 2})` }, spec.yLabel));
  svg.append(el('rect', { x: M.left, y: M.top, width: plotW, height: plotH, class: 'chart-frame' }));

  const ty = (y: number) => (spec.logY ? Math.log10(y) : y);
  const series = spec.series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logY || y > 0)) }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append(el('text', { x: M.left + plotW / 2, y: M.top + plotH / 2, class: 'chart-empty', 'text-anchor': 'middle' }, spec.emptyText ?? 'no data yet'));
    return;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => ty(p[1]))), Math.max(...all.map((p) => ty(p[1])))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = spec.logY ? [y0 - 0.5, y1 + 0.5] : [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  if (spec.logY) [y0, y1] = [Math.floor(y0 * 2) / 2, Math.ceil(y1 * 2) / 2];
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => M.top + plotH - ((ty(y) - y0) / (y1 - y0)) * plotH;

  const xTicks = linearTicks(x0, x1, 6).filter((t) => !spec.integerX || Number.isInteger(t));
  for (const t of xTicks) {
    svg.append(el('line', { x1: px(t), x2: px(t), y1: M.top, y2: M.top + plotH, class: 'chart-grid' }));
    svg.append(el('text', { x: px(t), y: M.top + plotH + 16, class: 'chart-tick', 'text-anchor': 'middle' }, formatTick(t)));
  }
  const yTicks = spec.logY
    ? Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, i) => 10 ** (Math.ceil(y0) + i))
    : linearTicks(y0, y1, 5);
  for (const t of yTicks) {
    svg.append(el('line', { x1: M.left, x2: M.left + plotW, y1: py(t), y2: py(t), class: 'chart-grid' }));
    svg.append(el('text', { x: M.left - 6, y: py(t) + 4, class: 'chart-tick', 'text-anchor': 'end' }, formatTick(t)));
  }

  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    svg.append(el('path', { d, class: 'chart-line', stroke: s.color }));
    if (s.markers) for (const [x, y] of s.points) svg.append(el('circle', { cx: px(x), cy: py(y), r: 3, fill: s.color }));
    const lx = M.left + plotW - 150;
    const ly = M.top + 14 + i * 16;
    svg.append(el('line', { x1: lx, x2: lx + 18, y1: ly - 4, y2: ly - 4, stroke: s.color, 'stroke-width': 2.5 }));
    svg.append(el('text', { x: lx + 24, y: ly, class: 'chart-legend' }, s.label));
  });
}
