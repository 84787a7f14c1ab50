// The wasm CLI (tools/wasm/lithium.mjs under node) against the native
// binary: same tokens and the same logits fingerprint for greedy and seeded
// sampling (the determinism contract across platforms, DESIGN.md), the same
// tokenize and inspect output, the same exit codes. Also checks that the
// kernel tests' reference digest is equal natively and in wasm.
//
// The quantized types are covered by models made at test time: a random
// llama (lithium-genmodel, shape "small": width 256, FFN 640, so ffn_down
// rows are not whole 256-blocks) quantized by the native `lithium quantize`
// to Q8_0, Q4_0, Q4_K (its ffn_down falls back to Q5_0) and Q4_K_M (adds
// Q6_K), in a temporary directory that is removed afterwards.
//
// usage: node compare_cli.mjs NATIVE_LITHIUM SHARED_DIR [NATIVE_KERNELS_TEST]
// env:   LITHIUM_WASM (lithium.wasm), LITHIUM_WASM_KERNELS_TEST (its .wasm),
//        LITHIUM_GENMODEL (lithium-genmodel; default: next to the native build's lithium)
// Exit 0 when everything matches, 1 on a mismatch, 77 (ctest SKIP) when the
// wasm build is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.argv.length < 4) {
  console.error('usage: node compare_cli.mjs NATIVE_LITHIUM SHARED_DIR [NATIVE_KERNELS_TEST]');
  process.exit(2);
}
// Absolute, because some cases run from another directory.
const [nativeBin, sharedDir, nativeKernels] = process.argv.slice(2).map((p) => path.resolve(p));
const wasmPath = path.resolve(process.env.LITHIUM_WASM ?? path.join(repo, 'build-wasm/tools/lithium/lithium.wasm'));
const wasmKernels = path.resolve(process.env.LITHIUM_WASM_KERNELS_TEST ??
                                 path.join(repo, 'build-wasm/tests/wasm/kernels_wasm_test.wasm'));
const launcher = path.join(repo, 'tools/wasm/lithium.mjs');
const runner = path.join(repo, 'tools/wasm/run_wasm.mjs');
if (!fs.existsSync(wasmPath)) {
  console.log(`SKIP: ${wasmPath} not built (cmake --preset wasm && cmake --build --preset wasm)`);
  process.exit(77);
}
const model = path.join(sharedDir, 'models/stories260K.gguf');
if (!fs.existsSync(model)) {
  console.log(`SKIP: ${model} missing`);
  process.exit(77);
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

function exec(cmd, args, cwd) {
  // LITHIUM_SIMD would force different targets on the two sides; each side
  // picks its best unless a case asks otherwise with --simd.
  const env = { ...process.env };
  delete env.LITHIUM_SIMD;
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const native = (args, cwd = repo) => exec(nativeBin, args, cwd);
const wasm = (args, cwd = repo) => exec(process.execPath, [launcher, ...args], cwd);

// Fields that legitimately differ between the two runs: wall-clock timings,
// the SIMD target's name and the thread count (wasm has one thread). Every
// other field, fingerprint included, must be identical.
function stable(jsonText) {
  const o = JSON.parse(jsonText);
  delete o.timings;
  delete o.simd_target;
  delete o.threads;
  return o;
}

function compareRun(label, args) {
  const n = native([...args, '--format', 'json']);
  const w = wasm([...args, '--format', 'json']);
  if (n.code !== 0 || w.code !== 0) {
    check(false, `${label}: exit codes native ${n.code}, wasm ${w.code}\n${n.stderr}${w.stderr}`);
    return;
  }
  const a = stable(n.stdout), b = stable(w.stdout);
  check(a.fingerprint === b.fingerprint,
        `${label}: fingerprint native ${a.fingerprint} (${JSON.parse(n.stdout).simd_target}) ` +
        `wasm ${b.fingerprint} (${JSON.parse(w.stdout).simd_target})`);
  check(isDeepStrictEqual(a.tokens, b.tokens), `${label}: ${a.tokens.length} tokens equal`);
  const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !isDeepStrictEqual(a[k], b[k]));
  check(differing.length === 0, `${label}: whole JSON equal except timings, simd_target, threads` +
        (differing.length === 0 ? '' : `; differing: ` +
         differing.map((k) => `${k}: native ${JSON.stringify(a[k])?.slice(0, 120)} wasm ${JSON.stringify(b[k])?.slice(0, 120)}`)
           .join('; ')));
}

function compareOutput(label, args, cwd = repo) {
  const n = native(args, cwd), w = wasm(args, cwd);
  check(n.code === w.code && n.stdout === w.stdout && n.stderr === w.stderr,
        `${label}: same exit code (${n.code}), stdout and stderr` +
        (n.stdout === w.stdout ? '' : `\n  native: ${n.stdout.slice(0, 200)}\n  wasm:   ${w.stdout.slice(0, 200)}`) +
        (n.stderr === w.stderr ? '' : `\n  native stderr: ${n.stderr}\n  wasm stderr:   ${w.stderr}`));
}

compareRun('greedy -n 64', ['run', '-m', model, '-p', 'Once upon a time', '-n', '64', '--temp', '0']);
compareRun('sampled --temp 0.9 --seed 5 -n 64',
           ['run', '-m', model, '-p', 'Once upon a time', '-n', '64', '--temp', '0.9', '--seed', '5']);
// The scalar reference on both platforms: wasm32 and x86-64 code for the
// same C++ must agree too, not only each SIMD target with its own reference.
compareRun('greedy, --simd scalar on both',
           ['run', '-m', model, '-p', 'One day', '-n', '32', '--temp', '0', '--simd', 'scalar']);
const tiny = path.join(sharedDir, 'models/llama-2-tiny-random.gguf');
if (fs.existsSync(tiny)) {
  compareRun('llama-2-tiny-random greedy -n 16', ['run', '-m', tiny, '-p', 'Hello', '-n', '16', '--temp', '0']);
}

// Quantized models. The prompt is several tokens long, so prefill runs the
// many-token matmul path and decode the single-token one.
const genmodel = path.resolve(process.env.LITHIUM_GENMODEL ??
                              path.join(path.dirname(nativeBin), '../genmodel/lithium-genmodel'));
const spmVocab = path.join(sharedDir, 'vocab/ggml-vocab-llama-spm.gguf');
if (fs.existsSync(genmodel) && fs.existsSync(spmVocab)) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lithium-wasm-quant-'));
  try {
    const f16 = path.join(tmp, 'small-f16.gguf');
    const g = exec(genmodel, ['--arch', 'llama', '--shape', 'small', '--vocab', spmVocab, '--type', 'f16',
                              '--seed', '3', '--out', f16], repo);
    check(g.code === 0, `lithium-genmodel small llama f16${g.code === 0 ? '' : `: ${g.stderr}`}`);
    for (const type of ['q8_0', 'q4_0', 'q4_k', 'q4_k_m']) {
      const q = path.join(tmp, `small-${type}.gguf`);
      const r = native(['quantize', f16, q, type]);
      check(r.code === 0, `native quantize ${type}${r.code === 0 ? '' : `: ${r.stderr}`}`);
      if (r.code !== 0) continue;
      const prompt = ['-p', 'Once upon a time there was a little'];
      compareRun(`${type} greedy -n 32`, ['run', '-m', q, ...prompt, '-n', '32', '--temp', '0']);
      compareRun(`${type} sampled --temp 0.8 --top-k 40 --seed 11 -n 32`,
                 ['run', '-m', q, ...prompt, '-n', '32', '--temp', '0.8', '--top-k', '40', '--seed', '11']);
      if (type === 'q4_0') {
        compareRun(`${type} greedy, --simd scalar on both`,
                   ['run', '-m', q, ...prompt, '-n', '8', '--temp', '0', '--simd', 'scalar']);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
} else {
  console.log(`note: quantized-model comparison skipped (needs ${genmodel} and ${spmVocab})`);
}

for (const p of ['Once upon a time', 'Hello, world! 123', 'naïve café — ünïcödé 你好 🙂', ' leading  spaces\n\ttab']) {
  compareOutput(`tokenize ${JSON.stringify(p)}`, ['tokenize', '-m', model, '-p', p]);
}
compareOutput('tokenize --no-bos', ['tokenize', '-m', model, '-p', 'Lily', '--no-bos']);
// A relative model path, from another directory: the launcher's preopen and
// the module's chdir($PWD) must resolve it as the native binary does.
compareOutput('tokenize, relative -m from the shared dir',
              ['tokenize', '-m', 'models/stories260K.gguf', '-p', 'Once'], sharedDir);
compareOutput('tokenize, ../ in -m', ['tokenize', '-m', path.relative(repo, model), '-p', 'Once']);
compareOutput('inspect --format json', ['inspect', model, '--format', 'json']);
compareOutput('inspect (text)', ['inspect', model]);
compareOutput('missing model file', ['inspect', path.join(sharedDir, 'models/no-such-model.gguf')]);
compareOutput('unknown flag', ['run', '-m', model, '--no-such-flag']);

// Kernel tests: the wasm build's reference digest must equal the native one.
if (nativeKernels && fs.existsSync(nativeKernels) && fs.existsSync(wasmKernels)) {
  const n = exec(nativeKernels, [], repo);
  const digest = /reference digest: ([0-9a-f]{64})/.exec(n.stdout)?.[1];
  check(n.code === 0 && digest !== undefined, `native kernel tests: ${n.stdout.trim().split('\n').pop()}`);
  const w = exec(process.execPath, [runner, wasmKernels, '--expect-digest', digest ?? 'none'], repo);
  check(w.code === 0, `wasm kernel tests with the native digest ${digest}: ${w.stdout.trim().split('\n').pop()}` +
                      (w.code === 0 ? '' : `\n${w.stdout}${w.stderr}`));
} else {
  console.log(`note: kernel digest comparison skipped (needs ${nativeKernels ?? 'the native kernels test'} and ${wasmKernels})`);
}

console.log(failures === 0 ? 'all equal' : `${failures} mismatches`);
process.exit(failures === 0 ? 0 : 1);
