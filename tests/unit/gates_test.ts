// The readiness gates' pure parts: an attempt given up, and the log field.
import assert from "node:assert/strict";
import { lastTry, whyNotReady } from "../../lib/triggers/gates.ts";

Deno.test("whyNotReady: an aborted attempt is given up", async () => {
  const gate = { kind: "file", path: "/", text: "file:/" } as const;
  assert.equal(await whyNotReady(gate, AbortSignal.abort()), "given up");
});

Deno.test("lastTry: each gate and why, for a log field", () => {
  const gate = { kind: "file", path: "/x", text: "file:/x" } as const;
  assert.equal(lastTry([{ gate, why: "missing" }]), "file:/x: missing");
});
