import { MultiLoraError } from '@multilora/core';

/** A command line that cannot run as given (exit code 2); the message says what to change. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit code and text of a failure: usage errors 2 (with a --help hint), everything else 1. */
export function describeFailure(error: unknown, command: string): { code: number; text: string } {
  if (error instanceof UsageError) {
    return { code: 2, text: `multilora ${command}: ${error.message}\nRun \`multilora ${command} --help\` for the options.` };
  }
  if (error instanceof MultiLoraError) return { code: 1, text: `multilora ${command}: error [${error.code}]: ${error.message}` };
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'ENOTDIR') {
    return { code: 1, text: `multilora ${command}: cannot access ${e.path ?? 'a file'} (${e.code}); check the path and its permissions.` };
  }
  return { code: 1, text: `multilora ${command}: unexpected error: ${e?.stack ?? String(error)}` };
}
