// The warm-up waits for its own signal, but never for ever: a signal that
// does not come (a mask or a policy it cannot see) must not keep the child
// from starting.
import assert from "node:assert/strict";
import { Child } from "../../lib/pid1/child.ts";
import { SignalForwarder } from "../../lib/pid1/forwarder.ts";
import { recordingLogger } from "../harness/mod.ts";

Deno.test("the warm-up gives up on a signal that never comes", async () => {
  // The ticker does not keep a test's event loop alive; this timer does.
  const alive = setTimeout(() => {}, 10_000);
  try {
    const forwarder = new SignalForwarder(recordingLogger().log);
    const began = performance.now();
    // "Sent", but nothing is sent: the signal never arrives.
    await forwarder.warmUp("SIGWINCH", new Child(4_194_305), () => true);
    const waited = performance.now() - began;
    assert.ok(waited >= 150 && waited < 2_000, `waited ${waited} ms`);
  } finally {
    clearTimeout(alive);
  }
});
