/**
 * multilora: the command line (`multilora demo | train | inspect | convert | merge`) over the public
 * APIs of @multilora/core and the plugins. Importable for tests and for embedding: `main(args, io)`.
 */
export { main } from './main.js';
export { nodeIo } from './io.js';
export type { CliIo } from './io.js';
export { commands } from './commands/index.js';
export type { Command, CommandEntry } from './commands/command.js';
export { demoCommand } from './commands/demo.js';
export { trainCommand } from './commands/train.js';
export { inspectCommand, moduleTable } from './commands/inspect.js';
export { convertCommand } from './commands/convert.js';
export { mergeCommand } from './commands/merge.js';
export { UsageError } from './errors.js';
export { version } from './version.js';
