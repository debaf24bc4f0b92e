#!/usr/bin/env node
/** The `multilora` executable: runs {@link main} on the process's arguments and exits with its code. */
// main.js, not index.js: the library entry re-exports every command, which would load them all.
import { nodeIo } from './io.js';
import { main } from './main.js';

void main(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
