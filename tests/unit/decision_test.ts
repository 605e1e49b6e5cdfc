// The run's one decision, and the completion record's format: pure rules.
import assert from "node:assert/strict";
import { Decision } from "../../lib/triggers/decision.ts";
import { parseRecord } from "../../lib/triggers/record_format.ts";

Deno.test("the first ending proposed counts, later ones are refused", async () => {
  const decision = new Decision(() => 0);
  const file = { reason: "/share/done exists", files: ["/share/done"] };
  assert.equal(decision.propose({ kind: "trigger", trigger: file }), true);
  assert.equal(decision.propose({ kind: "interrupted", signal: 15 }), false);
  assert.deepEqual(await decision.decided, { kind: "trigger", trigger: file });
});

Deno.test("a record's text parses, or says why it is none", () => {
  const parsed = parseRecord('{"guillotine":1,"exitCode":3}');
  assert("record" in parsed && parsed.record.exitCode === 3);
  assert.deepEqual(parseRecord(""), {
    problem: "the file is empty (made by touch?)",
  });
});
