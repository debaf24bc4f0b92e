#!/usr/bin/env node
/** The `multilora` executable: runs {@link main} on the process's arguments and exits with its code. */
import { main, nodeIo } from './index.js';

void main(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
