/** How guillotine's run ended: its exit code and its completion record. */

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
   * A trigger ended the child, or came before it started (`status` null, as
   * for a child that outlived even SIGKILL). `stopMs`: from the signal to an
   * empty process group.
   */
  | {
    kind: "guillotined";
    trigger: Trigger;
    status: ChildStatus | null;
    started: boolean;
    exitCode: number;
    stopMs?: number;
  }
  /** A terminating signal came before the child started. */
  | { kind: "interrupted"; signal: number }
  /** Readiness gates were not ready in time; the child never started. */
  | { kind: "wait-timeout"; notReady: string[] };

/** guillotine's exit code; the child's `successExitCodes` count as 0. */
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

/** The completion record's facts for an outcome and its exit code. */
export function recordOf(outcome: Outcome, exitCode: number): RecordFacts {
  switch (outcome.kind) {
    case "exited": {
      const { signal } = outcome.status;
      return signal === null
        ? { exitCode, signal: null, reason: "exited" }
        : { exitCode, signal: signalName(signal), reason: "killed" };
    }
    case "guillotined": {
      const signal = outcome.status?.signal;
      return {
        exitCode,
        signal: signal ? signalName(signal) : null,
        reason: outcome.started ? "guillotined" : "not-started",
      };
    }
    case "interrupted": {
      const signal = signalName(outcome.signal);
      return { exitCode, signal, reason: "interrupted" };
    }
    case "wait-timeout":
      return { exitCode, signal: null, reason: "wait-timeout" };
  }
}
