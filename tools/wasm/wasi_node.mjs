// Runs a wasm32-wasi command module under Node's built-in node:wasi
// (preview1) so that it behaves like a native program started in the same
// directory: same arguments, same relative and absolute paths, same stdout,
// stderr and exit code.
//
// WASI has no working directory and sees only preopened directories. We
// preopen ONE host directory under its own absolute path: the deepest
// directory that contains the current directory and every file the
// arguments name. The module (tools/lithium/main.cc) chdir()s to $PWD, so a
// relative path like ../shared/models/x.gguf resolves to
// /work/main/../shared/models/x.gguf, which lies inside the preopen; Node's
// uvwasi then checks that the resolved path (symlinks followed) does not
// escape it. One preopen also means wasi-libc never has to choose between
// overlapping ones.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

// Node's WASI uses V8 "fast API calls", and a garbage collection started
// inside one crashes node with SIGSEGV (nodejs/node#46777, #53087). Loading
// a 1 GB model hit it in about one run of three; without fast calls, never.
// The flag is read when TurboFan compiles a call site, so setting it before
// any WASI call is early enough.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

// Node prints "ExperimentalWarning: WASI is an experimental feature" when
// node:wasi loads; the native CLI prints nothing of the kind, and tests
// compare stderr, so that one warning is dropped and any other is kept.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /WASI/.test(w.message)) return;
  process.stderr.write(`${w.name}: ${w.message}\n`);
});
const { WASI } = await import('node:wasi');

// Flags whose value is free text, never a path (a prompt of "/" must not
// widen the sandbox to the whole file system).
const TEXT_FLAGS = new Set(['-p', '--prompt', '--system', '--simd', '--format', '--stop']);

function existingDir(p) {
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? p : path.dirname(p);
  } catch {
    return null;
  }
}

// Host directories the arguments refer to: an existing file or directory,
// or a file to be created (e.g. --dump-logits OUT) whose parent exists.
function dirsNamedBy(args, cwd) {
  const dirs = [];
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    if (TEXT_FLAGS.has(args[i - 1])) continue;
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      if (!a.startsWith('--') || eq < 0 || TEXT_FLAGS.has(a.slice(0, eq))) continue;
      a = a.slice(eq + 1);
    }
    if (a === '') continue;
    const abs = path.resolve(cwd, a);
    let d = existingDir(abs);
    if (d === null && (a.includes('/') || a.includes('.'))) d = existingDir(path.dirname(abs));
    if (d === null) continue;
    dirs.push(d);
    // uvwasi follows symlinks and refuses targets outside the preopen, so
    // the real location must be inside it too.
    try {
      dirs.push(existingDir(fs.realpathSync(abs)) ?? d);
    } catch {
      dirs.push(fs.realpathSync(d));
    }
  }
  return dirs;
}

function commonAncestor(dirs) {
  let parts = path.resolve(dirs[0]).split(path.sep);
  for (const d of dirs.slice(1)) {
    const q = path.resolve(d).split(path.sep);
    let n = 0;
    while (n < parts.length && n < q.length && parts[n] === q[n]) n++;
    parts = parts.slice(0, n);
  }
  const joined = parts.join(path.sep);
  return joined === '' ? path.sep : joined;
}

// Compiled modules are cached per path: a test runner may start many.
const modules = new Map();
async function compile(wasmPath) {
  if (!modules.has(wasmPath)) {
    modules.set(wasmPath, WebAssembly.compile(fs.readFileSync(wasmPath)));
  }
  return modules.get(wasmPath);
}

// Runs `wasmPath` with argv [argv0, ...args]; resolves to its exit code.
// Environment: PWD plus every LITHIUM_* variable of this process (e.g.
// LITHIUM_SIMD), nothing else, so results do not depend on the host's env.
export async function runWasi(wasmPath, argv0, args, { cwd = process.cwd(), env = process.env } = {}) {
  if (!fs.existsSync(wasmPath)) {
    process.stderr.write(`${argv0}: ${wasmPath} not found (build it: cmake --preset wasm && cmake --build --preset wasm)\n`);
    return 2;
  }
  const root = commonAncestor([cwd, fs.realpathSync(cwd), ...dirsNamedBy(args, cwd)]);
  const wasiEnv = { PWD: cwd };
  for (const [k, v] of Object.entries(env)) if (k.startsWith('LITHIUM_')) wasiEnv[k] = v;
  const wasi = new WASI({
    version: 'preview1',
    args: [argv0, ...args],
    env: wasiEnv,
    preopens: { [root]: root },
    returnOnExit: true,
  });
  const instance = await WebAssembly.instantiate(await compile(wasmPath), wasi.getImportObject());
  return wasi.start(instance);
}
