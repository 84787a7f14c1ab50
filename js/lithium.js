// lithium-wasm: deterministic LLM inference in the browser and in Node.
//
//   import { createLithium } from 'lithium-wasm';
//   const lithium = await createLithium();
//   const model = await lithium.loadModel('https://example.org/stories260K.gguf');
//   const r = await lithium.generate(model, 'Once upon a time', {
//     maxTokens: 64, temperature: 0, onToken: (t) => output.append(t) });
//   r.fingerprint  // SHA-256 over the logits: equal to the native CLI's
//
// Each call runs the lithium command-line module (lithium.wasm, built by the
// wasm CMake preset) once under @bjorn3/browser_wasi_shim, with the model as
// an in-memory file. It is the very binary the tests compare with the native
// CLI, so results carry the same fingerprints and JSON. The cost: every call
// copies the model into a fresh wasm instance (fine for small models; a
// reactor build that keeps the model resident would avoid it).
//
// In browsers the module runs in a Web Worker (worker.js) so the page keeps
// painting while tokens stream; in Node it runs inline.
import { runCommand } from './runner.js';

const SHIM = '@bjorn3/browser_wasi_shim';
const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

export class LithiumError extends Error {
  constructor(message, { exitCode, stderr } = {}) {
    super(message);
    this.name = 'LithiumError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

// --- reading bytes from the sources a caller may have ----------------------

function isFileUrl(u) {
  return u instanceof URL ? u.protocol === 'file:' : /^file:/.test(u);
}

async function nodeReadFile(pathOrUrl) {
  const fs = await import('node:fs/promises');
  const buf = await fs.readFile(pathOrUrl instanceof URL || isFileUrl(pathOrUrl) ? new URL(pathOrUrl) : pathOrUrl);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

// Reads a fetch Response, reporting progress when the size is known.
async function readResponse(res, onProgress) {
  if (!res.ok) throw new LithiumError(`${res.url}: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!onProgress || !res.body) return res.arrayBuffer();
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out.buffer;
}

// Returns {bytes: ArrayBuffer, name, owned}; owned = we made the buffer, so
// it may be transferred to the worker without surprising the caller.
async function readSource(source, onProgress) {
  const nameOf = (s) => decodeURIComponent(String(s).split(/[?#]/)[0].split('/').pop() || '');
  if (typeof source === 'string' || source instanceof URL) {
    if (isNode && (isFileUrl(source) || !/^[a-z]+:/i.test(String(source)))) {
      return { bytes: await nodeReadFile(source), name: nameOf(source), owned: true };
    }
    const url = typeof location !== 'undefined' ? new URL(source, location.href) : new URL(source);
    return { bytes: await readResponse(await fetch(url), onProgress), name: nameOf(url.pathname), owned: true };
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return { bytes: await readResponse(source, onProgress), name: nameOf(source.url), owned: true };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { bytes: await source.arrayBuffer(), name: source.name ?? '', owned: true };
  }
  if (source instanceof ArrayBuffer) return { bytes: source, name: '', owned: false };
  if (ArrayBuffer.isView(source)) {
    const bytes = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
    return { bytes, name: '', owned: true };
  }
  throw new LithiumError('loadModel: expected a URL, path, File/Blob, Response, ArrayBuffer or typed array');
}

async function compileWasm(wasm) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  if (isNode && (isFileUrl(wasm) || !/^[a-z]+:/i.test(String(wasm)))) {
    return WebAssembly.compile(await nodeReadFile(wasm));
  }
  const url = typeof location !== 'undefined' ? new URL(wasm, location.href) : new URL(wasm);
  const res = await fetch(url);
  if (!res.ok) throw new LithiumError(`${url}: HTTP ${res.status} (build it: cmake --preset wasm && cmake --build --preset wasm)`);
  return WebAssembly.compile(await res.arrayBuffer());
}

// Where the worker imports the shim from: an explicit option, else the page's
// import map (import.meta.resolve), else this package's own node_modules.
function shimUrlFor(option) {
  if (option) return String(option);
  try {
    const u = import.meta.resolve?.(SHIM);
    if (u && !u.startsWith(SHIM)) return u;
  } catch {
    // No import map entry: fall through.
  }
  return new URL('./node_modules/@bjorn3/browser_wasi_shim/dist/index.js', import.meta.url).href;
}

// --- where the module runs ---------------------------------------------------

class InlineBackend {
  async init(module, shimUrl) {
    this.module = module;
    this.shim = await (shimUrl ? import(shimUrl) : import(SHIM));
    this.models = new Map();
  }
  async load(modelId, bytes) {
    this.models.set(modelId, bytes);
  }
  async unload(modelId) {
    this.models.delete(modelId);
  }
  async run(args, models, env, onStdout, onStderr) {
    const files = {};
    for (const [name, id] of Object.entries(models)) files[name] = this.models.get(id);
    return runCommand(this.shim, this.module, args, { files, env, onStdout, onStderr });
  }
  terminate() {}
}

class WorkerBackend {
  async init(module, shimUrl) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (ev) => {
      const m = ev.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'stdout') p.onStdout?.(m.text);
      else if (m.type === 'stderr') p.onStderr?.(m.text);
      else {
        this.pending.delete(m.id);
        if (m.type === 'done') p.resolve(m.result);
        else p.reject(new LithiumError(m.message));
      }
    };
    this.worker.onerror = (ev) => {
      const err = new LithiumError(`lithium worker failed: ${ev.message ?? ev}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    await this.call({ type: 'init', module, shimUrl });
  }
  call(msg, transfer = [], onStdout, onStderr) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onStdout, onStderr });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
  load(modelId, bytes, transfer) {
    return this.call({ type: 'load', modelId, bytes }, transfer ? [bytes] : []);
  }
  unload(modelId) {
    return this.call({ type: 'unload', modelId });
  }
  run(args, models, env, onStdout, onStderr) {
    return this.call({ type: 'run', args, models, env }, [], onStdout, onStderr);
  }
  terminate() {
    this.worker.terminate();
  }
}

// --- the API -----------------------------------------------------------------

// Options: wasm (URL, path, bytes or WebAssembly.Module; default
// ./lithium.wasm next to this file), worker (default: true in browsers),
// shimUrl (where a worker imports @bjorn3/browser_wasi_shim from), env
// (variables for the module, e.g. {LITHIUM_SIMD: 'scalar'}).
export async function createLithium(options = {}) {
  const lithium = new Lithium(options);
  await lithium.ready;
  return lithium;
}

let nextModelId = 1;

export class Lithium {
  constructor({ wasm, worker, shimUrl, env = {} } = {}) {
    const useWorker = worker ?? (!isNode && typeof Worker !== 'undefined');
    this.backend = useWorker ? new WorkerBackend() : new InlineBackend();
    this.env = { ...env };
    this.ready = (async () => {
      const module = await compileWasm(wasm ?? new URL('./lithium.wasm', import.meta.url));
      await this.backend.init(module, useWorker ? shimUrlFor(shimUrl) : shimUrl);
    })();
  }

  // source: URL or path (Node), File/Blob, Response, ArrayBuffer or typed
  // array. Options: name (the file name the CLI reports), onProgress(loaded,
  // total) while downloading.
  async loadModel(source, { name, onProgress } = {}) {
    await this.ready;
    const r = await readSource(source, onProgress);
    // Only a plain file name: it becomes a path inside the guest.
    const safe = String(name ?? r.name ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'model.gguf';
    const model = { id: nextModelId++, name: safe, size: r.bytes.byteLength };
    // Transferring a caller's own buffer to the worker would detach it under
    // their feet, so that one is copied; inline, nothing moves.
    const toWorker = this.backend instanceof WorkerBackend;
    await this.backend.load(model.id, toWorker && !r.owned ? r.bytes.slice(0) : r.bytes, toWorker);
    return model;
  }

  async unloadModel(model) {
    await this.backend.unload(model.id);
  }

  // Runs any lithium subcommand: args as on the command line, model files
  // referred to by model.name. Resolves to {exitCode, stdout, stderr}.
  async cli(args, { models = [], onStdout, onStderr, env } = {}) {
    await this.ready;
    const files = {};
    for (const m of models) files[m.name] = m.id;
    return this.backend.run(args.map(String), files, { ...this.env, ...env }, onStdout, onStderr);
  }

  async #check(args, model, callbacks = {}) {
    const r = await this.cli(args, { models: [model], ...callbacks });
    if (r.exitCode !== 0) {
      const line = r.stderr.trim().split('\n').pop() || `lithium exited with ${r.exitCode}`;
      throw new LithiumError(line, { exitCode: r.exitCode, stderr: r.stderr });
    }
    return r;
  }

  // Generates a continuation of `prompt`. Sampling options mirror the CLI:
  // maxTokens (-n), temperature (--temp; 0 = greedy), topK, topP, minP,
  // repeatPenalty, repeatLastN, seed, stop (string[]), ctxSize, ubatch,
  // addBos (default true), simd (force a kernel target), extraArgs.
  //
  // Without onToken: resolves to the CLI's `run --format json` object
  // (text, tokens, prompt_tokens, finish_reason, fingerprint, model, params,
  // simd_target, threads, timings).
  // With onToken(text): the text streams piece by piece as tokens are
  // generated (the CLI's text mode) and the result holds what that mode
  // reports: text, fingerprint, finish_reason, n_prompt_tokens, n_tokens,
  // simd_target, threads, timings {prefill_tokens_per_s, decode_tokens_per_s}.
  // The fingerprint is the same either way. The streamed text is exactly
  // what the CLI's text mode prints, which (as of this writing) may end with
  // the start of a stop string that the JSON text leaves out.
  async generate(model, prompt, opts = {}) {
    const args = ['run', '-m', model.name, '-p', prompt];
    const flag = (name, v) => { if (v !== undefined && v !== null) args.push(name, String(v)); };
    flag('-n', opts.maxTokens);
    flag('--temp', opts.temperature);
    flag('--top-k', opts.topK);
    flag('--top-p', opts.topP);
    flag('--min-p', opts.minP);
    flag('--repeat-penalty', opts.repeatPenalty);
    flag('--repeat-last-n', opts.repeatLastN);
    flag('--seed', opts.seed);
    flag('-c', opts.ctxSize);
    flag('--ubatch', opts.ubatch);
    flag('--simd', opts.simd);
    for (const s of opts.stop ?? []) flag('--stop', s);
    if (opts.addBos === false) args.push('--no-bos');
    args.push(...(opts.extraArgs ?? []).map(String));

    if (!opts.onToken) {
      args.push('--format', 'json');
      const r = await this.#check(args, model);
      return JSON.parse(r.stdout);
    }
    args.push('--format', 'text');
    // The CLI ends the streamed text with one '\n' of its own; hold the
    // last newline back until the next chunk shows it was generated text.
    let held = '';
    const onStdout = (s) => {
      const all = held + s;
      held = all.endsWith('\n') ? '\n' : '';
      const piece = held ? all.slice(0, -1) : all;
      if (piece) opts.onToken(piece);
    };
    const r = await this.#check(args, model, { onStdout });
    return parseTextSummary(r.stdout, r.stderr, model.name);
  }

  // The token ids of `text` (BOS first unless bos: false).
  async tokenize(model, text, { bos = true } = {}) {
    const args = ['tokenize', '-m', model.name, '-p', text];
    if (!bos) args.push('--no-bos');
    const r = await this.#check(args, model);
    return JSON.parse(r.stdout);
  }

  // The GGUF file's metadata, tensors and hyperparameters (inspect --format json).
  async inspect(model) {
    const r = await this.#check(['inspect', model.name, '--format', 'json'], model);
    return JSON.parse(r.stdout);
  }

  terminate() {
    this.backend.terminate();
  }
}

// Text mode prints its summary on stderr:
//   lithium: 5 prompt tokens, 64 generated (length) | prefill 587.8 tok/s,
//   decode 1145.3 tok/s | wasm_simd128, 1 threads
//   lithium: fingerprint <64 hex digits>
function parseTextSummary(stdout, stderr, modelName) {
  const fp = /lithium: fingerprint ([0-9a-f]{64})/.exec(stderr);
  if (!fp) throw new LithiumError('no fingerprint in the output of lithium run', { exitCode: 0, stderr });
  const s = /lithium: (\d+) prompt tokens, (\d+) generated \(([^)]*)\) \| prefill ([\d.]+) tok\/s, decode ([\d.]+) tok\/s \| ([^,]+), (\d+) threads/.exec(stderr);
  return {
    text: stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout,
    fingerprint: fp[1],
    finish_reason: s?.[3],
    n_prompt_tokens: s ? Number(s[1]) : undefined,
    n_tokens: s ? Number(s[2]) : undefined,
    model: { path: modelName },
    simd_target: s?.[6],
    threads: s ? Number(s[7]) : undefined,
    timings: s ? { prefill_tokens_per_s: Number(s[4]), decode_tokens_per_s: Number(s[5]) } : undefined,
  };
}

