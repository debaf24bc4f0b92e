import type { CliIo } from './io.js';

const WIDTH = 28;

/**
 * A progress bar for long work: redrawn in place on a terminal (`io.errTty`), otherwise a plain line
 * every `lineEvery` of the way (default 10 %), so that logs stay readable.
 */
export class Progress {
  private lastDraw = 0;
  private lastLine = -1;
  private readonly started = performance.now();

  constructor(private readonly io: CliIo, private readonly label: string, private readonly total: number, private readonly lineEvery = 0.1) {}

  /** Reports `done` of `total` units, with a short detail (e.g. the current loss). */
  update(done: number, detail = ''): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const now = performance.now();
    if (this.io.errTty) {
      if (now - this.lastDraw < 80 && done < this.total) return;
      this.lastDraw = now;
      const filled = Math.round(fraction * WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
      this.io.errTty(`\r\x1b[2K${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ${this.eta(fraction)} ${detail}`);
      return;
    }
    const slot = Math.floor(fraction / this.lineEvery);
    if (slot === this.lastLine) return;
    this.lastLine = slot;
    this.io.err(`${this.label}: ${done}/${this.total} (${(fraction * 100).toFixed(0)}%) ${this.eta(fraction)} ${detail}`.trimEnd());
  }

  /** Ends the bar with a closing line. */
  finish(summary: string): void {
    if (this.io.errTty) this.io.errTty('\r\x1b[2K');
    this.io.err(`${this.label}: ${summary} (${((performance.now() - this.started) / 1000).toFixed(1)} s)`);
  }

  private eta(fraction: number): string {
    if (fraction <= 0 || fraction >= 1) return '';
    const elapsed = (performance.now() - this.started) / 1000;
    return `eta ${Math.ceil((elapsed * (1 - fraction)) / fraction)} s`;
  }
}
