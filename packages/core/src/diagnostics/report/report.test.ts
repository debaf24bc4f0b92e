import { describe, expect, it } from 'vitest';
import { createAdapter } from '../../adapter/create.js';
import { randomAdapter } from '../../adapter/testing.js';
import { inspect } from '../inspect.js';
import { renderContributionBarsSvg, renderSimilarityHeatmapSvg, renderSpectrumHistogramSvg } from './figures.js';
import { renderReportFigures, renderReportHtml } from './html.js';
import { escapeXml, niceTicks, viridis } from './svg.js';

/** Checks that tags nest and close properly (a small XML well-formedness check without a DOM). */
function expectWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(xml).not.toMatch(/NaN|undefined|Infinity/);
}

const specs = [
  { name: 'model.layers.0.self_attn.q_proj', inShape: [32], outFeatures: 32 },
  { name: 'model.layers.0.self_attn.v_proj', inShape: [32], outFeatures: 24 },
];

describe('report figures and HTML', () => {
  const ml = randomAdapter({ n: 4, r: 2, seed: 3 }, specs, 3);
  const lora = randomAdapter({ n: 1, r: 8, init: 'lora', seed: 4 }, specs, 4);
  const report = inspect({ label: 'MultiLoRA <n=4> & "friends"', adapter: ml }, { compare: { label: 'LoRA r=8', adapter: lora } });

  it('the histogram SVG is well-formed, with axis titles, tick labels, a legend with value counts and escaped labels', () => {
    const svg = renderSpectrumHistogramSvg(report.histogram);
    expectWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="760" height="460"/);
    expect(svg).toContain('−ln σ');
    expect(svg).toContain('share of singular values (%)');
    expect(svg).toContain('MultiLoRA &lt;n=4&gt; &amp; &quot;friends&quot; (16 values)');
    expect(svg).toContain('LoRA r=8 (16 values)');
    expect(svg.match(/<text [^>]*text-anchor="end">/g)?.length).toBeGreaterThanOrEqual(3); // y tick labels
  });

  it('the φ heatmap has one cell per (i, j), axis titles naming both updates and a 0–1 colour bar', () => {
    const sim = report.similarity!;
    const svg = renderSimilarityHeatmapSvg(sim.mean!, sim.labels, sim.side, 'test');
    expectWellFormed(svg);
    expect(svg.match(/<title>φ\(/g)).toHaveLength(sim.mean!.rows * sim.mean!.cols);
    expect(svg).toContain('j: top-j right singular vectors of LoRA r=8');
    expect(svg).toContain('i: top-i right singular vectors of MultiLoRA');
    for (const t of ['0', '0.25', '0.5', '0.75', '1']) expect(svg).toContain(`>${t}</text>`);
  });

  it('the contribution chart has a bar per parallel module and layer, and marks zero updates', () => {
    const svg = renderContributionBarsSvg(report.updates[0]);
    expectWellFormed(svg);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(8);
    for (let i = 1; i <= 4; i++) expect(svg).toContain(`module ${i}`);
    const fresh = inspect({ label: 'fresh', adapter: createAdapter({ n: 2, r: 2 }, specs) });
    expect(renderContributionBarsSvg(fresh.updates[0])).toContain('ΔW = 0 (all scales zero)');
  });

  it('renderReportFigures names the files; the HTML page inlines every figure and the module tables', () => {
    const figures = renderReportFigures(report);
    expect(figures.map((f) => f.file)).toEqual([
      'spectrum-histogram.svg', 'subspace-similarity.svg', 'contributions-multilora-n-4-friends.svg', 'contributions-lora-r-8.svg',
    ]);
    const html = renderReportHtml(report);
    expectWellFormed(html.replace(/<!doctype html>/, '').replace(/<meta [^>]*>/g, ''));
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('<td class="name">model.layers.0.self_attn.q_proj</td>');
    expect(html).toContain('Definitions');
  });

  it('helpers: nice ticks, XML escaping, viridis end points', () => {
    expect(niceTicks(0, 22.7, 5)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(-2.5, 9.5, 8)).toEqual([-2, 0, 2, 4, 6, 8]);
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect([viridis(0), viridis(1), viridis(NaN)]).toEqual(['#440154', '#fde725', '#440154']);
  });
});
