import type { Command } from './command.js';
import { inspectCommand } from './inspect.js';

/** Every command, in the order `multilora --help` lists them. Add new commands (demo, train, convert, merge) here. */
export const commands: readonly Command[] = [inspectCommand];
