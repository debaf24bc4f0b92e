import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

/** One `multilora <name>` command: a file under src/commands/ and an entry in the registry (commands/index.ts). */
export interface Command {
  name: string;
  /** Full help text (`multilora <name> --help`). */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. Throws UsageError for bad arguments. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A command's registry entry: its name and one-line summary, and the command itself, loaded on demand. */
export interface CommandEntry {
  name: string;
  /** One line for the command list. */
  summary: string;
  load(): Promise<Command>;
}

/** node:util's `parseArgs` in strict mode, with its complaints turned into a UsageError (exit code 2, with a --help hint). */
export function parseCommandArgs<T extends ParseArgsConfig & { strict: true }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
