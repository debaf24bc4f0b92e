/** Shared pieces of the CLI tests: an io that captures what a command prints. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err, text: () => out.join('\n'), errors: () => err.join('\n') };
}
