/** Where a command writes: injected so that tests can capture output. */
export interface CliIo {
  /** A line (or lines) for standard output. */
  out(text: string): void;
  /** A line for standard error: progress, warnings and errors. */
  err(text: string): void;
  /**
   * Raw text for standard error when it is a terminal (progress bars redraw a line with `\r`);
   * absent when standard error is not a TTY, so progress falls back to plain periodic lines.
   */
  errTty?: (chunk: string) => void;
}

/** The process's own stdout and stderr. */
export function nodeIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    ...(process.stderr.isTTY ? { errTty: (chunk: string) => process.stderr.write(chunk) } : {}),
  };
}
