/** Where a command writes: injected so that tests can capture output. */
export interface CliIo {
  /** A line (or lines) for standard output. */
  out(text: string): void;
  /** A line for standard error: progress, warnings and errors. */
  err(text: string): void;
}

/** The process's own stdout and stderr. */
export function nodeIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}
