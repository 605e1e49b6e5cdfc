import {
  decodeWaitStatus,
  exitCodeFor,
  shellCode,
} from "../../lib/pid1/child_status.ts";
import { exitCodeOf } from "../../lib/reports/outcome.ts";
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
