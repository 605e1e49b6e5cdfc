// The held queue of lib/runtime/signal_inbox.ts: what comes before a handler
// is there is handed to it, in order, once; what comes after goes straight
// to it. Real signals, sent to this process.
import assert from "node:assert/strict";
import { listenForSignals } from "../../lib/runtime/signal_inbox.ts";

/** Sends `signal` to this process; resolves once its listeners have run. */
function sendToSelf(signal: Deno.Signal): Promise<void> {
  // Listeners run in the order they were added: one added after the inbox's
  // runs after it.
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  // Signal listeners do not keep the event loop alive; this bound does.
  const bound = setTimeout(
    () => reject(new Error(`${signal} did not come within 5 s`)),
    5_000,
  );
  const after = () => {
    Deno.removeSignalListener(signal, after);
    clearTimeout(bound);
    resolve();
  };
  Deno.addSignalListener(signal, after);
  Deno.kill(Deno.pid, signal);
  return promise;
}

Deno.test({
  name:
    "signals held before deliverTo are handed to the handler, then the rest",
  // The inbox listens for the rest of the process's life, as in guillotine.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const inbox = listenForSignals();
    await sendToSelf("SIGUSR2");
    await sendToSelf("SIGHUP");
    const got: Deno.Signal[] = [];
    inbox.deliverTo((name) => got.push(name));
    assert.deepEqual(got, ["SIGUSR2", "SIGHUP"], "the held ones, at once");
    await sendToSelf("SIGWINCH");
    assert.deepEqual(got, ["SIGUSR2", "SIGHUP", "SIGWINCH"]);
  },
});
