#!/usr/bin/env node
// Single-thread decode speed, native vs WebAssembly (docs/performance.md):
//   node tools/wasm/bench_decode.mjs NATIVE_LITHIUM MODEL [N_TOKENS] [REPS] [-- EXTRA RUN ARGS]
// Runs `lithium run -t 1 --temp 0` natively (best SIMD target, then sse4,
// the 128-bit x86 target, for a like-for-like width) and the wasm build
// under node, alternating so background load hits both alike, and prints
// the median tokens/s of each with the fingerprints (which must agree),
// every run's figure, the wasm / native ratios and the load average.
// env: LITHIUM_BENCH_SKIP_SSE4=1 leaves out the sse4 runs.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
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
].filter(([name]) => !(name === 'native sse4' && process.env.LITHIUM_BENCH_SKIP_SSE4));
const loadBefore = os.loadavg();
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
console.log('\ndecode tok/s of every run, in run order:');
for (const [name, rs] of results) console.log(`  ${name}: ${rs.map((r) => r.tps.toFixed(2)).join(' ')}`);
const wasmRuns = results.get('wasm (node)') ?? [];
for (const name of ['native (best target)', 'native sse4']) {
  const rs = results.get(name) ?? [];
  if (rs.length === 0 || wasmRuns.length === 0) continue;
  const ratio = median(wasmRuns.map((r) => r.tps)) / median(rs.map((r) => r.tps));
  // The same ratio run by run (runs alternate, so each pair saw similar load).
  const pairs = rs.slice(0, wasmRuns.length).map((r, i) => (wasmRuns[i].tps / r.tps).toFixed(2));
  console.log(`wasm / ${name}: ${ratio.toFixed(2)}x (medians); per run ${pairs.join(' ')}`);
}
const fmt = (l) => l.map((x) => x.toFixed(1)).join(' ');
console.log(`load average (1, 5, 15 min): before ${fmt(loadBefore)}, after ${fmt(os.loadavg())}, ${os.cpus().length} CPUs`);
const fps = new Set([...results.values()].flat().map((r) => r.fp));
console.log(fps.size === 1 ? 'fingerprints: all equal' : `fingerprints DIFFER: ${[...fps].join(' ')}`);
process.exit(fps.size === 1 ? 0 : 1);
