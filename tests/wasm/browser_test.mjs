// The demo page (web/) in headless Chromium: load stories260K through the
// file picker, generate 64 tokens greedily, and check that the tokens
// streamed and that the page's fingerprint and text equal the native CLI's.
//
// usage: node browser_test.mjs NATIVE_LITHIUM SHARED_DIR
// env:   CHROMIUM (default /usr/bin/chromium), LITHIUM_WASM (lithium.wasm)
// Exit 0 pass, 1 fail, 77 (ctest SKIP) when chromium, playwright-core (npm ci
// in js/), the wasm build or the model is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.argv.length < 4) {
  console.error('usage: node browser_test.mjs NATIVE_LITHIUM SHARED_DIR');
  process.exit(2);
}
const [nativeBin, sharedDir] = process.argv.slice(2).map((p) => path.resolve(p));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const wasmPath = path.resolve(process.env.LITHIUM_WASM ?? path.join(repo, 'build-wasm/tools/lithium/lithium.wasm'));
const model = path.join(sharedDir, 'models/stories260K.gguf');
const prompt = 'Once upon a time';

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) skip(`${chromiumPath} missing (apt-get install chromium)`);
if (!fs.existsSync(wasmPath)) skip(`${wasmPath} not built (cmake --preset wasm && cmake --build --preset wasm)`);
if (!fs.existsSync(model)) skip(`${model} missing`);
let chromium;
try {
  // playwright-core is a dev dependency of the JS package, not of this folder.
  ({ chromium } = createRequire(path.join(repo, 'js/package.json'))('playwright-core'));
} catch {
  skip('playwright-core not installed (cd js && npm ci)');
}
if (!fs.existsSync(path.join(repo, 'js/node_modules/@bjorn3/browser_wasi_shim'))) {
  skip('@bjorn3/browser_wasi_shim not installed (cd js && npm ci)');
}

// The reference: the native CLI, greedy, 64 tokens.
const nat = spawnSync(nativeBin, ['run', '-m', model, '-p', prompt, '-n', '64', '--temp', '0', '--format', 'json'],
                      { encoding: 'utf8' });
if (nat.status !== 0) {
  console.error(`native lithium failed (${nat.status}): ${nat.stderr}`);
  process.exit(1);
}
const want = JSON.parse(nat.stdout);

// A static file server for the repository (the page imports ../js and
// fetches ../build-wasm), on 127.0.0.1 only and never outside the repo.
// ES modules need a JavaScript MIME type; wasm gets its own.
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
                '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };
const roots = { '/build-wasm/tools/lithium/lithium.wasm': wasmPath };
const server = http.createServer((req, res) => {
  const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = roots[urlPath] ?? path.join(repo, path.normalize(urlPath));
  if (!file.startsWith(repo + path.sep) && !Object.values(roots).includes(file)) {
    res.writeHead(403).end();
    return;
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
                         'cache-control': 'no-store' });
    res.end(data);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lithium-chromium-'));
let context;
let failed = false;
const log = [];
try {
  // Flags from TOOLCHAIN.md; playwright adds --headless and keeps the
  // profile in the fresh userDataDir.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));

  await page.goto(`${base}/web/index.html`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60000 });
  await page.setInputFiles('#model', model);
  await page.waitForSelector('body[data-state="model-ready"], body[data-state="error"]', { timeout: 60000 });
  await page.fill('#prompt', prompt);
  await page.fill('#n', '64');
  await page.fill('#temp', '0');
  await page.click('#generate');
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 180000 });

  const got = await page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status').textContent,
    fingerprint: document.getElementById('fingerprint').textContent,
    output: document.getElementById('output').textContent,
    chunks: Number(document.body.dataset.chunks ?? 0),
    tps: document.getElementById('tps').textContent,
    target: document.getElementById('target').textContent,
  }));
  const check = (ok, what) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failed = true;
  };
  check(got.state === 'done', `page finished (${got.status})`);
  check(got.fingerprint === want.fingerprint,
        `fingerprint: browser ${got.fingerprint} (${got.target}), native ${want.fingerprint} (${want.simd_target})`);
  check(got.output === prompt + want.text, 'streamed text equals the native text');
  // Tokens must arrive one by one, not in one piece at the end.
  check(got.chunks > 32, `text streamed in ${got.chunks} pieces`);
  console.log(`browser speed: ${got.tps} tokens/s`);
} catch (e) {
  console.log(`FAIL ${e.stack ?? e}`);
  failed = true;
} finally {
  if (failed) for (const l of log) console.log(l);
  await context?.close();
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
