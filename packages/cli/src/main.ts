import { commands } from './commands/index.js';
import { describeFailure } from './errors.js';
import type { CliIo } from './io.js';
import { version } from './version.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: multilora <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `multilora <command> --help` for a command\'s options; `multilora --version` prints the version.',
  ].join('\n');
}

/**
 * Runs the command line `args` (without `node` and the script) and resolves to the exit code:
 * 0 success, 1 failure (the error's code and message on stderr), 2 bad usage (with a --help hint).
 */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(version);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`multilora: unknown command "${name}". Available: ${commands.map((c) => c.name).join(', ')}.\nRun \`multilora --help\` for an overview.`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run([...rest], io);
  } catch (error) {
    const { code, text } = describeFailure(error, entry.name);
    io.err(text);
    return code;
  }
}
