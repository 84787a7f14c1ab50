#!/usr/bin/env node
// The lithium CLI compiled to WebAssembly, run under Node:
//   node tools/wasm/lithium.mjs run -m MODEL -p TEXT --format json
// Same subcommands, flags, output and exit codes as the native binary.
// LITHIUM_WASM overrides the module path (default: the wasm preset's build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWasi } from './wasi_node.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasmPath = process.env.LITHIUM_WASM
  ? path.resolve(process.env.LITHIUM_WASM)
  : path.join(repo, 'build-wasm/tools/lithium/lithium.wasm');

process.exitCode = await runWasi(wasmPath, 'lithium', process.argv.slice(2));
