import type { CliIo } from '../io.js';

/** One `multilora <name>` command: a file under src/commands/ and an entry in the registry. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text (`multilora <name> --help`). */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. Throws UsageError for bad arguments. */
  run(args: string[], io: CliIo): Promise<number>;
}
