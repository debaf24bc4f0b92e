import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

describe('Progress', () => {
  it('without a terminal: one plain line per 10 % and a closing line', () => {
    const lines: string[] = [];
    const p = new Progress({ out: () => {}, err: (t) => lines.push(t) }, 'training', 50);
    for (let i = 1; i <= 50; i++) p.update(i, `loss ${i}`);
    p.finish('done');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(/^training: 1\/50 \(2%\) eta \d+ s loss 1$/);
    expect(lines[10]).toBe('training: 50/50 (100%)  loss 50');
    expect(lines[11]).toMatch(/^training: done \(\d+\.\d s\)$/);
  });

  it('on a terminal: redraws one line with \\r and a bar, then clears it for the closing line', () => {
    const chunks: string[] = [];
    const lines: string[] = [];
    const p = new Progress({ out: () => {}, err: (t) => lines.push(t), errTty: (c) => chunks.push(c) }, 'x', 4);
    p.update(1);
    p.update(4);
    p.finish('ok');
    expect(chunks[0]).toMatch(/^\r\x1b\[2Kx ███████░{21}  25% 1\/4 /);
    expect(chunks[1]).toMatch(/^\r\x1b\[2Kx █{28} 100% 4\/4/);
    expect(chunks[2]).toBe('\r\x1b[2K');
    expect(lines).toEqual([expect.stringMatching(/^x: ok \(/)]);
  });
});
