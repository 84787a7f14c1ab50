#!/usr/bin/env node
// CMAKE_CROSSCOMPILING_EMULATOR for the wasm preset: ctest runs
//   node tools/wasm/run_wasm.mjs PROGRAM.wasm ARGS...
// and gets the program's exit code.
import path from 'node:path';
import { runWasi } from './wasi_node.mjs';

const [wasm, ...args] = process.argv.slice(2);
if (!wasm) {
  process.stderr.write('usage: node run_wasm.mjs PROGRAM.wasm [ARGS...]\n');
  process.exit(2);
}
process.exitCode = await runWasi(path.resolve(wasm), path.basename(wasm, '.wasm'), args);
