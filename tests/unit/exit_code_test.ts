import {
  decodeWaitStatus,
  exitCodeFor,
  shellCode,
} from "../../lib/pid1/child_status.ts";
import { exitCodeOf, recordOf } from "../../lib/reports/outcome.ts";
import { endOfError } from "../../lib/reports/last_words.ts";
import { GuillotineError } from "../../lib/runtime/errors.ts";
import assert from "node:assert/strict";

Deno.test("decodeWaitStatus reads exits and signal deaths", () => {
  assert.deepEqual(decodeWaitStatus(0), { code: 0, signal: null });
  assert.deepEqual(decodeWaitStatus(3 << 8), { code: 3, signal: null });
  assert.deepEqual(decodeWaitStatus(255 << 8), { code: 255, signal: null });
  assert.deepEqual(decodeWaitStatus(15), { code: null, signal: 15 });
  // A core dump sets bit 7; the signal is still 11.
  assert.deepEqual(decodeWaitStatus(0x80 | 11), { code: null, signal: 11 });
});

Deno.test("shellCode and exitCodeFor follow the shell's table", () => {
  const table: [number | null, number | null, number[], number][] = [
    [0, null, [], 0],
    [1, null, [], 1],
    [255, null, [], 255],
    [null, 9, [], 137],
    [null, 15, [], 143],
    [143, null, [143], 0],
    [null, 15, [143], 0],
    [2, null, [143], 2],
  ];
  for (const [code, signal, success, expected] of table) {
    assert.deepEqual(
      exitCodeFor({ code, signal }, success),
      expected,
      `${code} ${signal}`,
    );
  }
  assert.deepEqual(shellCode({ code: null, signal: 2 }), 130);
});

Deno.test("exitCodeOf: a trigger's code beats the child's", () => {
  const trigger = { reason: "test", files: [] };
  const status = { code: 143, signal: null };
  assert.deepEqual(
    exitCodeOf({
      kind: "guillotined",
      trigger,
      status,
      started: true,
      exitCode: 0,
    }, []),
    0,
  );
  assert.deepEqual(
    exitCodeOf({
      kind: "guillotined",
      trigger,
      status: null,
      started: false,
      exitCode: 7,
    }, []),
    7,
  );
  assert.deepEqual(
    exitCodeOf({ kind: "exited", status: { code: 3, signal: null } }, []),
    3,
  );
  assert.deepEqual(
    exitCodeOf({ kind: "exited", status: { code: 3, signal: null } }, [3]),
    0,
  );
  assert.deepEqual(exitCodeOf({ kind: "interrupted", signal: 15 }, []), 143);
  assert.deepEqual(
    exitCodeOf({ kind: "wait-timeout", notReady: ["tcp:x:1"] }, []),
    124,
  );
});

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
    error: "internal error: boom",
    exitCode: 125,
  });
});
