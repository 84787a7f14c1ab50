// The demo page: pick a GGUF file, generate, watch tokens stream, compare
// the fingerprint with `lithium run ... --format json` on any native build.
//
// Served from the repository root (e.g. by tests/wasm/browser_test.mjs), it
// loads ../build-wasm/tools/lithium/lithium.wasm; ?wasm=URL overrides that
// and ?model=URL loads a model without the file picker.
import { createLithium } from '../js/lithium.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// body[data-state] lets a test (or a person) see where the page is:
// loading -> ready -> model-ready -> generating -> done, or error.
function setState(state, message) {
  document.body.dataset.state = state;
  $('status').textContent = message;
  $('status').className = state === 'error' ? 'error' : '';
}

let lithium = null;
let model = null;

async function loadModel(source, name) {
  $('generate').disabled = true;
  setState('loading-model', `reading ${name}…`);
  const t0 = performance.now();
  if (model) await lithium.unloadModel(model);
  model = await lithium.loadModel(source, {
    name,
    onProgress: (loaded, total) => {
      $('status').textContent = `downloading ${name}: ${(loaded / 1e6).toFixed(1)}` +
        (total ? ` / ${(total / 1e6).toFixed(1)} MB` : ' MB');
    },
  });
  const info = await lithium.inspect(model);
  const hp = info.hparams ?? {};
  $('model-info').textContent = `${model.name}: ${(model.size / 1e6).toFixed(2)} MB, ` +
    `${hp.arch ?? '?'}, ${info.n_params ?? '?'} parameters`;
  setState('model-ready', `model loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  $('generate').disabled = false;
}

async function generate() {
  $('generate').disabled = true;
  const prompt = $('prompt').value;
  const out = $('output');
  out.textContent = '';
  const promptSpan = document.createElement('span');
  promptSpan.className = 'prompt';
  promptSpan.textContent = prompt;
  out.append(promptSpan);
  for (const id of ['tps', 'count', 'target', 'fingerprint']) $(id).textContent = '–';
  setState('generating', 'generating…');

  // Live rate from the streamed pieces (one per token, counted from the
  // first one so prompt processing is excluded); the final figure is the
  // engine's own decode rate.
  let pieces = 0, first = 0;
  const onToken = (text) => {
    const now = performance.now();
    if (pieces === 0) first = now;
    pieces++;
    out.append(text);
    $('count').textContent = String(pieces);
    if (pieces > 1) $('tps').textContent = `${((pieces - 1) * 1000 / (now - first)).toFixed(1)} (live)`;
  };
  try {
    const r = await lithium.generate(model, prompt, {
      maxTokens: Number($('n').value),
      temperature: Number($('temp').value),
      seed: Number($('seed').value),
      topK: Number($('top-k').value),
      topP: Number($('top-p').value),
      onToken,
    });
    $('tps').textContent = `${r.timings?.decode_tokens_per_s ?? '?'} decode, ` +
      `${r.timings?.prefill_tokens_per_s ?? '?'} prefill`;
    $('count').textContent = `${r.n_tokens} generated (${r.finish_reason}), ${r.n_prompt_tokens} in the prompt`;
    $('target').textContent = `${r.simd_target}, ${r.threads} thread`;
    $('fingerprint').textContent = r.fingerprint;
    document.body.dataset.chunks = String(pieces);
    setState('done', 'done');
  } catch (e) {
    setState('error', e.message);
  } finally {
    $('generate').disabled = false;
  }
}

async function main() {
  setState('loading', 'loading lithium.wasm…');
  lithium = await createLithium({ wasm: params.get('wasm') ?? '../build-wasm/tools/lithium/lithium.wasm' });
  setState('ready', 'ready: pick a GGUF model file');
  $('model').addEventListener('change', () => {
    const f = $('model').files[0];
    if (f) loadModel(f, f.name).catch((e) => setState('error', e.message));
  });
  $('generate').addEventListener('click', generate);
  const url = params.get('model');
  if (url) await loadModel(url, url.split('/').pop());
}

main().catch((e) => setState('error', `${e.message} (is the wasm build there? cmake --preset wasm && cmake --build --preset wasm)`));
