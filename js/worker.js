// Browser worker for lithium.js: wasi.start() is synchronous, so on the main
// thread a generation would freeze the page until its last token. Here it
// runs off the main thread and posts each stdout/stderr chunk as it is
// written, which the page receives while generation continues.
//
// Messages in:  {type: 'init', id, module, shimUrl}
//               {type: 'load', id, modelId, bytes}     (bytes transferred)
//               {type: 'unload', id, modelId}
//               {type: 'run', id, args, models: {guestName: modelId}, env}
// Messages out: {type: 'stdout' | 'stderr', id, text}
//               {type: 'done', id, result} | {type: 'error', id, message}
import { runCommand } from './runner.js';

let shim = null;
let module = null;
const models = new Map();

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    if (msg.type === 'init') {
      shim = await import(msg.shimUrl);
      module = msg.module;
      self.postMessage({ type: 'done', id: msg.id, result: null });
    } else if (msg.type === 'load') {
      models.set(msg.modelId, msg.bytes);
      self.postMessage({ type: 'done', id: msg.id, result: null });
    } else if (msg.type === 'unload') {
      models.delete(msg.modelId);
      self.postMessage({ type: 'done', id: msg.id, result: null });
    } else if (msg.type === 'run') {
      const files = {};
      for (const [name, modelId] of Object.entries(msg.models)) {
        if (!models.has(modelId)) throw new Error(`model ${modelId} is not loaded`);
        files[name] = models.get(modelId);
      }
      const result = await runCommand(shim, module, msg.args, {
        files,
        env: msg.env,
        onStdout: (text) => self.postMessage({ type: 'stdout', id: msg.id, text }),
        onStderr: (text) => self.postMessage({ type: 'stderr', id: msg.id, text }),
      });
      self.postMessage({ type: 'done', id: msg.id, result });
    }
  } catch (e) {
    self.postMessage({ type: 'error', id: msg.id, message: String(e?.stack ?? e) });
  }
};
