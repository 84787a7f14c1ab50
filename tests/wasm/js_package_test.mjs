// The JS package (js/lithium.js) in Node against the native CLI: every way
// of loading a model, streaming and JSON generation, tokenize, inspect and
// errors. The browser side of the same package is browser_test.mjs.
//
// usage: node js_package_test.mjs NATIVE_LITHIUM SHARED_DIR
// Exit 0 pass, 1 fail, 77 (ctest SKIP) when the wasm build or npm packages
// are missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.argv.length < 4) {
  console.error('usage: node js_package_test.mjs NATIVE_LITHIUM SHARED_DIR');
  process.exit(2);
}
const [nativeBin, sharedDir] = process.argv.slice(2).map((p) => path.resolve(p));
const wasmPath = path.resolve(process.env.LITHIUM_WASM ?? path.join(repo, 'build-wasm/tools/lithium/lithium.wasm'));
const modelPath = path.join(sharedDir, 'models/stories260K.gguf');
for (const [p, why] of [[wasmPath, 'not built (cmake --preset wasm && cmake --build --preset wasm)'],
                        [path.join(repo, 'js/node_modules/@bjorn3/browser_wasi_shim'), 'missing (cd js && npm ci)'],
                        [modelPath, 'missing']]) {
  if (!fs.existsSync(p)) {
    console.log(`SKIP: ${p} ${why}`);
    process.exit(77);
  }
}

const { createLithium, LithiumError } = await import(pathToFileURL(path.join(repo, 'js/lithium.js')).href);

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
function native(args) {
  const env = { ...process.env };
  delete env.LITHIUM_SIMD;
  const r = spawnSync(nativeBin, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`native ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const lithium = await createLithium({ wasm: wasmPath });

// Every kind of source gives the same bytes (the sha256 in inspect-free
// form: a greedy fingerprint over 8 tokens is cheaper to compare).
const bytes = fs.readFileSync(modelPath);
const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const padded = new Uint8Array(bytes.byteLength + 16);
padded.set(bytes, 16);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength });
  res.end(bytes);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const httpUrl = `http://127.0.0.1:${server.address().port}/models/stories260K.gguf`;
let progressCalls = 0;
const sources = {
  path: [modelPath],
  'file: URL': [pathToFileURL(modelPath)],
  ArrayBuffer: [arrayBuffer],
  'Uint8Array at an offset': [padded.subarray(16), { name: 'stories260K.gguf' }],
  Blob: [new Blob([bytes])],
  'http URL with progress': [httpUrl, { onProgress: () => progressCalls++ }],
};
const shortArgs = ['-p', 'Once', '-n', '8', '--temp', '0'];
const shortWant = JSON.parse(native(['run', '-m', modelPath, ...shortArgs, '--format', 'json'])).fingerprint;
for (const [label, [source, opts]] of Object.entries(sources)) {
  const m = await lithium.loadModel(source, opts);
  const r = await lithium.generate(m, 'Once', { maxTokens: 8, temperature: 0 });
  check(r.fingerprint === shortWant && m.size === bytes.byteLength, `loadModel(${label}) as ${m.name}`);
  await lithium.unloadModel(m);
}
server.close();
check(progressCalls > 0, `download progress reported (${progressCalls} calls)`);
check(arrayBuffer.byteLength === bytes.byteLength, "the caller's ArrayBuffer is not detached");

const model = await lithium.loadModel(modelPath);
const prompt = 'Once upon a time';
for (const [label, opts, flags] of [
  ['greedy', { maxTokens: 64, temperature: 0 }, ['-n', '64', '--temp', '0']],
  ['sampled', { maxTokens: 64, temperature: 0.9, seed: 5 }, ['-n', '64', '--temp', '0.9', '--seed', '5']],
  ['top-k/top-p/min-p/stop', { maxTokens: 48, temperature: 1.1, seed: 7, topK: 20, topP: 0.8, minP: 0.02, stop: ['park'] },
   ['-n', '48', '--temp', '1.1', '--seed', '7', '--top-k', '20', '--top-p', '0.8', '--min-p', '0.02', '--stop', 'park']],
]) {
  const want = JSON.parse(native(['run', '-m', modelPath, '-p', prompt, ...flags, '--format', 'json']));
  const got = await lithium.generate(model, prompt, opts);
  check(got.fingerprint === want.fingerprint && isDeepStrictEqual(got.tokens, want.tokens) && got.text === want.text &&
        isDeepStrictEqual(got.params, want.params),
        `${label}: JSON result equals native (fingerprint ${got.fingerprint})`);
  // Streaming is compared with the native text mode, which is what it
  // wraps: that mode may already have printed the start of a stop string
  // when the stop is detected, so its text can differ from the JSON text.
  const wantStream = native(['run', '-m', modelPath, '-p', prompt, ...flags, '--format', 'text']).replace(/\n$/, '');
  const pieces = [];
  const streamed = await lithium.generate(model, prompt, { ...opts, onToken: (t) => pieces.push(t) });
  check(streamed.fingerprint === want.fingerprint && streamed.text === wantStream && pieces.join('') === wantStream &&
        streamed.n_tokens === want.tokens.length && streamed.finish_reason === want.finish_reason,
        `${label}: streamed in ${pieces.length} pieces, same text as native text mode, fingerprint and finish reason`);
}

const scalar = await createLithium({ wasm: wasmPath, env: { LITHIUM_SIMD: 'scalar' } });
const sm = await scalar.loadModel(modelPath);
const sr = await scalar.generate(sm, 'Once', { maxTokens: 8, temperature: 0 });
check(sr.simd_target === 'scalar' && sr.fingerprint === shortWant, 'env LITHIUM_SIMD=scalar reaches the module');

for (const text of ['Hello world', 'naïve café 你好']) {
  const want = JSON.parse(native(['tokenize', '-m', modelPath, '-p', text]));
  check(isDeepStrictEqual(await lithium.tokenize(model, text), want), `tokenize ${JSON.stringify(text)}`);
}
const wantNoBos = JSON.parse(native(['tokenize', '-m', modelPath, '-p', 'Lily', '--no-bos']));
check(isDeepStrictEqual(await lithium.tokenize(model, 'Lily', { bos: false }), wantNoBos), 'tokenize without BOS');

const info = await lithium.inspect(model);
const wantInfo = JSON.parse(native(['inspect', modelPath, '--format', 'json']));
delete info.path;
delete wantInfo.path;
check(isDeepStrictEqual(info, wantInfo), 'inspect equals native (except path)');

try {
  await lithium.generate(model, 'x', { topK: -1 });
  check(false, 'a bad option is rejected');
} catch (e) {
  check(e instanceof LithiumError && e.exitCode === 2 && /top-k/.test(e.message), `bad option: ${e.message}`);
}
try {
  await lithium.loadModel(new Blob([new Uint8Array([1, 2, 3, 4])]), { name: 'junk.gguf' }).then((m) => lithium.inspect(m));
  check(false, 'a corrupt model is rejected');
} catch (e) {
  check(e instanceof LithiumError && e.exitCode === 2, `corrupt model: ${e.message}`);
}

console.log(failures === 0 ? 'all passed' : `${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
