/**
 * Small SVG toolkit for the report figures: escaping, nice ticks, number formatting, a document
 * wrapper, axes with ticks, grid and titles, a legend, and colour scales (Okabe–Ito, viridis).
 */

/** Colour-blind-safe categorical colours (Okabe & Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** `text` with &, <, >, " and ' escaped for XML. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A short, readable number: 3 significant digits, exponent form outside [1e-3, 1e5). */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** About `target` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The plot area inside a figure. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A standalone SVG document with a white background, a title (also as <title>) and a subtitle. */
export function svgDocument(width: number, height: number, title: string, subtitle: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    subtitle ? `<text x="${width / 2}" y="43" text-anchor="middle" font-size="12" fill="#444">${escapeXml(subtitle)}</text>` : '',
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** Axis description: tick values, how to place them, their labels and the axis title. */
export interface Axis {
  ticks: number[];
  at: (v: number) => number;
  label?: (v: number) => string;
  title: string;
  /** Draw grid lines across the plot at the ticks. */
  grid?: boolean;
}

/** The x axis (bottom) and y axis (left) of `frame` with ticks, tick labels, grid lines and titles. */
export function axes(frame: Frame, x: Axis, y: Axis): string {
  const { width, height, left, right, top, bottom } = frame;
  const x0 = left;
  const x1 = width - right;
  const y0 = height - bottom;
  const y1 = top;
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = x.at(t);
    if (x.grid) parts.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y1}" stroke="#e4e4e4"/>`);
    parts.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 5}" stroke="#333"/>`);
    parts.push(`<text x="${px}" y="${y0 + 19}" text-anchor="middle">${escapeXml((x.label ?? formatNumber)(t))}</text>`);
  }
  for (const t of y.ticks) {
    const py = y.at(t);
    if (y.grid) parts.push(`<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#e4e4e4"/>`);
    parts.push(`<line x1="${x0 - 5}" y1="${py}" x2="${x0}" y2="${py}" stroke="#333"/>`);
    parts.push(`<text x="${x0 - 8}" y="${py + 4}" text-anchor="end">${escapeXml((y.label ?? formatNumber)(t))}</text>`);
  }
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`);
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#333"/>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="${height - 12}" text-anchor="middle" font-size="14">${escapeXml(x.title)}</text>`);
  const cy = (y0 + y1) / 2;
  parts.push(`<text x="18" y="${cy}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${cy})">${escapeXml(y.title)}</text>`);
  return parts.join('\n');
}

/** A legend box at (x, y): a swatch and a label per entry. */
export function legend(x: number, y: number, entries: readonly { label: string; color: string }[]): string {
  const rowHeight = 20;
  const width = 26 + Math.max(...entries.map((e) => e.label.length)) * 7.2 + 10;
  const parts = [`<rect x="${x}" y="${y}" width="${width}" height="${entries.length * rowHeight + 8}" fill="#ffffff" fill-opacity="0.9" stroke="#999"/>`];
  entries.forEach((e, i) => {
    const ry = y + 6 + i * rowHeight;
    parts.push(`<rect x="${x + 8}" y="${ry + 3}" width="12" height="12" fill="${e.color}" fill-opacity="0.6" stroke="${e.color}"/>`);
    parts.push(`<text x="${x + 26}" y="${ry + 14}">${escapeXml(e.label)}</text>`);
  });
  return parts.join('\n');
}

/** Approximate width in pixels of `text` at 13 px. */
export function textWidth(text: string): number {
  return text.length * 7.2;
}

const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

/** The viridis colour of t ∈ [0, 1] (clamped), as #rrggbb. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + (VIRIDIS[i + 1][k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
