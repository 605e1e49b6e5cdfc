// The warm-up waits for its own signal, but never for ever: a signal that
// does not come (a mask or a policy it cannot see) must not keep the child
// from starting.
import assert from "node:assert/strict";
import { Child } from "../../lib/pid1/child.ts";
import { SignalForwarder } from "../../lib/pid1/forwarder.ts";
import { recordingLogger, sampleProcess } from "../harness/mod.ts";

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

Deno.test("the warm-up that gave up stops its bound: nothing goes on waking the process", async () => {
  const alive = setTimeout(() => {}, 10_000);
  try {
    const forwarder = new SignalForwarder(recordingLogger().log);
    await forwarder.warmUp("SIGWINCH", new Child(4_194_305), () => true);
    // A measurement over a window, not a wait for a condition: a bound left
    // ticking every 200 ms would wake this process 10 times more in it.
    const before = switches();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const wakeUps = switches() - before;
    assert.ok(wakeUps < 15, `${wakeUps} wake-ups in 2 s`);
  } finally {
    clearTimeout(alive);
  }
});

/** This process's context switches so far, summed over its threads. */
function switches(): number {
  const sample = sampleProcess(Deno.pid);
  assert.ok(sample);
  return sample.threads.reduce((sum, t) => sum + t.switches, 0);
}
