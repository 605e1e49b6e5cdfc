/**
 * How guillotine's run ended, and what follows from it: one exit code and the
 * facts of the completion record. Pure.
 *
 * @module
 */

import { type ChildStatus, exitCodeFor } from "../pid1/child_status.ts";
import { EXIT_WAIT_TIMEOUT } from "../runtime/errors.ts";
import type { RecordFacts } from "./records.ts";
import type { Trigger } from "../triggers/watcher.ts";
import { signalName } from "../options/values/signal.ts";

/** How guillotine's run ended; {@linkcode exitCodeOf} gives the exit code. */
export type Outcome =
  /** The child ended without a trigger (on its own or by a forwarded signal). */
  | { kind: "exited"; status: ChildStatus }
  /**
   * A trigger ended the child (status), or came before it started (null);
   * guillotine exits with `exitCode`. A child that outlived even SIGKILL
   * (stuck in the kernel) also has a null status.
   */
  | {
    kind: "guillotined";
    trigger: Trigger;
    status: ChildStatus | null;
    started: boolean;
    exitCode: number;
    /** From the signal to an empty process group, when the child started. */
    stopMs?: number;
  }
  /** A terminating signal came before the child started. */
  | { kind: "interrupted"; signal: number }
  /** Readiness gates were not ready in time; the child never started. */
  | { kind: "wait-timeout"; notReady: string[] };

/**
 * guillotine's exit code for an outcome.
 *
 * @param successExitCodes Child codes that count as 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitCodeOf } from "./outcome.ts";
 *
 * assert.equal(exitCodeOf({ kind: "interrupted", signal: 15 }, []), 143);
 * assert.equal(
 *   exitCodeOf({ kind: "exited", status: { code: 3, signal: null } }, [3]),
 *   0,
 * );
 * ```
 */
export function exitCodeOf(
  outcome: Outcome,
  successExitCodes: readonly number[],
): number {
  switch (outcome.kind) {
    case "guillotined":
      return outcome.exitCode;
    case "interrupted":
      return 128 + outcome.signal;
    case "wait-timeout":
      return EXIT_WAIT_TIMEOUT;
    case "exited":
      return exitCodeFor(outcome.status, successExitCodes);
  }
}

/**
 * The completion record's facts for an outcome and its exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordOf } from "./outcome.ts";
 *
 * assert.deepEqual(
 *   recordOf({ kind: "exited", status: { code: null, signal: 9 } }, 137),
 *   { exitCode: 137, signal: "SIGKILL", reason: "killed" },
 * );
 * ```
 */
export function recordOf(outcome: Outcome, exitCode: number): RecordFacts {
  switch (outcome.kind) {
    case "exited": {
      const { signal } = outcome.status;
      return signal === null
        ? { exitCode, signal: null, reason: "exited" }
        : { exitCode, signal: signalName(signal), reason: "killed" };
    }
    case "guillotined":
      return {
        exitCode,
        signal: outcome.status?.signal
          ? signalName(outcome.status.signal)
          : null,
        reason: outcome.started ? "guillotined" : "not-started",
      };
    case "interrupted":
      return {
        exitCode,
        signal: signalName(outcome.signal),
        reason: "interrupted",
      };
    case "wait-timeout":
      return { exitCode, signal: null, reason: "wait-timeout" };
  }
}
