// The completion record's facts and the end of an error, as the way out
// writes them.
import assert from "node:assert/strict";
import { recordOf } from "../../lib/reports/outcome.ts";
import { endOfError } from "../../lib/reports/last_words.ts";
import { GuillotineError } from "../../lib/runtime/errors.ts";

Deno.test("recordOf: the record's signal by name, and its reason", () => {
  assert.deepEqual(
    recordOf({ kind: "exited", status: { code: null, signal: 9 } }, 137),
    { exitCode: 137, signal: "SIGKILL", reason: "killed" },
  );
  assert.deepEqual(
    recordOf({ kind: "exited", status: { code: 3, signal: null } }, 3),
    { exitCode: 3, signal: null, reason: "exited" },
  );
  assert.deepEqual(recordOf({ kind: "interrupted", signal: 2 }, 130), {
    exitCode: 130,
    signal: "SIGINT",
    reason: "interrupted",
  });
  const trigger = { reason: "test", files: [] };
  assert.deepEqual(
    recordOf({
      kind: "guillotined",
      trigger,
      status: { code: null, signal: 15 },
      started: true,
      exitCode: 0,
    }, 0),
    { exitCode: 0, signal: "SIGTERM", reason: "guillotined" },
  );
  assert.deepEqual(
    recordOf({
      kind: "guillotined",
      trigger,
      status: null,
      started: false,
      exitCode: 0,
    }, 0),
    { exitCode: 0, signal: null, reason: "not-started" },
  );
  assert.deepEqual(
    recordOf({ kind: "wait-timeout", notReady: [] }, 124),
    { exitCode: 124, signal: null, reason: "wait-timeout" },
  );
});

Deno.test("endOfError: guillotine's own errors keep their code; others are 125", () => {
  assert.deepEqual(
    endOfError(new GuillotineError('Command "x" not found', 127)),
    { error: 'Command "x" not found', exitCode: 127 },
  );
  assert.deepEqual(endOfError(new Error("boom")), {
    error: "internal error (please report it): boom",
    exitCode: 125,
  });
});
