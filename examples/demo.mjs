// The MultiLoRA demo from a program instead of the shell: the `multilora` package exports the command
// line as `main(args, io)`. Same as `npx multilora demo [options]`; pass options after the script,
// e.g. `node examples/demo.mjs --quick --out /tmp/demo`. Build first: `npm run build`.
import { main, nodeIo } from 'multilora';

process.exitCode = await main(['demo', ...process.argv.slice(2)], nodeIo());
