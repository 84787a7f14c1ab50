// Runs the lithium command module (lithium.wasm, the same binary the CLI
// tests compare with the native build) once, on @bjorn3/browser_wasi_shim:
// an in-memory file system, stdout and stderr delivered to callbacks as the
// program writes them. Works in Node, in a browser's main thread and in a
// worker; the shim module is passed in so this file has no bare imports
// (browsers cannot resolve them without an import map, workers not at all).

// Model files appear in the guest at /NAME: wasi-libc resolves every path
// against the preopen "/", and the CLI's working directory is "/" too.
export const GUEST_DIR = '/';

// Text decoder that tolerates a UTF-8 sequence split across two writes.
function streamDecoder(onText) {
  const dec = new TextDecoder('utf-8');
  return {
    write(bytes) {
      const s = dec.decode(bytes, { stream: true });
      if (s) onText(s);
    },
    flush() {
      const s = dec.decode();
      if (s) onText(s);
    },
  };
}

// args: argv without argv[0]. files: {name: ArrayBuffer | Uint8Array}.
// env: {NAME: value}. Resolves to {exitCode, stdout, stderr}.
export async function runCommand(shim, module, args, { files = {}, env = {}, onStdout, onStderr } = {}) {
  const { WASI, File, OpenFile, ConsoleStdout, PreopenDirectory } = shim;
  const contents = new Map();
  for (const [name, data] of Object.entries(files)) {
    // File wraps an ArrayBuffer without copying (a Uint8Array would be
    // copied), so pass the buffer when the view covers all of it.
    const buf = data instanceof ArrayBuffer ? data
      : (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer);
    contents.set(name, new File(buf, { readonly: true }));
  }
  let stdout = '', stderr = '';
  const out = streamDecoder((s) => { stdout += s; onStdout?.(s); });
  const err = streamDecoder((s) => { stderr += s; onStderr?.(s); });
  const fds = [
    new OpenFile(new File(new ArrayBuffer(0), { readonly: true })),  // stdin: empty
    new ConsoleStdout((b) => out.write(b)),
    new ConsoleStdout((b) => err.write(b)),
    new PreopenDirectory(GUEST_DIR, contents),
  ];
  // debug: false, since the shim logs every call when the option is absent.
  const wasi = new WASI(['lithium', ...args], Object.entries(env).map(([k, v]) => `${k}=${v}`), fds,
                        { debug: false });
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  let exitCode;
  try {
    exitCode = wasi.start(instance);
  } catch (e) {
    // A trap (e.g. out of memory past the 4 GB wasm32 limit) is a crash,
    // reported like a signal-killed native process would be.
    err.write(new TextEncoder().encode(`lithium: wasm trap: ${e?.message ?? e}\n`));
    exitCode = 134;
  }
  out.flush();
  err.flush();
  return { exitCode, stdout, stderr };
}
