import type { Command } from './command.js';
import { convertCommand } from './convert.js';
import { demoCommand } from './demo.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { trainCommand } from './train.js';

/** Every command, in the order `multilora --help` lists them. */
export const commands: readonly Command[] = [demoCommand, trainCommand, inspectCommand, convertCommand, mergeCommand];
