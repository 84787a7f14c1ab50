#!/usr/bin/env node
// Single-thread decode speed, native vs WebAssembly (docs/performance.md):
//   node tools/wasm/bench_decode.mjs NATIVE_LITHIUM MODEL [N_TOKENS] [REPS] [-- EXTRA RUN ARGS]
// Runs `lithium run -t 1 --temp 0` natively (best SIMD target, then sse4,
// the 128-bit x86 target, for a like-for-like width) and the wasm build
// under node, alternating so background load hits both alike, and prints
// the median tokens/s of each with the fingerprints (which must agree).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [nativeBin, model, nArg = '128', repsArg = '3'] = dash < 0 ? argv : argv.slice(0, dash);
const extra = dash < 0 ? ['-p', 'Once upon a time'] : argv.slice(dash + 1);
if (!nativeBin || !model) {
  console.error('usage: node bench_decode.mjs NATIVE_LITHIUM MODEL [N_TOKENS] [REPS] [-- EXTRA RUN ARGS]');
  process.exit(2);
}
const runArgs = ['run', '-m', model, '-n', nArg, '--temp', '0', '--format', 'json', ...extra];
const configs = [
  ['native (best target)', nativeBin, [...runArgs, '-t', '1']],
  ['native sse4', nativeBin, [...runArgs, '-t', '1', '--simd', 'sse4']],
  ['wasm (node)', process.execPath, [path.join(here, 'lithium.mjs'), ...runArgs]],
];
const results = new Map(configs.map(([name]) => [name, []]));
for (let rep = 0; rep < Number(repsArg); rep++) {
  for (const [name, cmd, args] of configs) {
    const env = { ...process.env };
    delete env.LITHIUM_SIMD;
    const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      console.error(`${name}: exit ${r.status}: ${r.stderr.trim()}`);
      results.delete(name);
      continue;
    }
    const j = JSON.parse(r.stdout);
    results.get(name)?.push({ tps: j.timings.decode_tokens_per_s, prefill: j.timings.prefill_tokens_per_s,
                              load: j.timings.load_ms, target: j.simd_target, fp: j.fingerprint });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`model ${path.basename(model)}, ${nArg} tokens, median of ${repsArg}`);
console.log('| run | target | decode tok/s | prefill tok/s | load ms | fingerprint |');
console.log('|---|---|---|---|---|---|');
for (const [name, rs] of results) {
  if (rs.length === 0) continue;
  console.log(`| ${name} | ${rs[0].target} | ${median(rs.map((r) => r.tps)).toFixed(1)} | ` +
              `${median(rs.map((r) => r.prefill)).toFixed(1)} | ${median(rs.map((r) => r.load)).toFixed(0)} | ` +
              `${rs[0].fp.slice(0, 16)}… |`);
}
const fps = new Set([...results.values()].flat().map((r) => r.fp));
console.log(fps.size === 1 ? 'fingerprints: all equal' : `fingerprints DIFFER: ${[...fps].join(' ')}`);
process.exit(fps.size === 1 ? 0 : 1);
