/** How guillotine's run ended: its exit code and its completion record. */

import { type ChildStatus, exitCodeFor } from "../pid1/child_status.ts";
import { EXIT_WAIT_TIMEOUT } from "../runtime/errors.ts";
import type { RecordFacts } from "./records.ts";
import type { Trigger } from "../triggers/watcher.ts";
import { signalName } from "../options/values/signal.ts";

/**
 * The child ended on its own (or by a forwarded signal), or by a trigger
 * (`status` null if not started or it outlived SIGKILL; `stopMs` from the
 * signal to an empty group); or a signal or the gates came first.
 */
export type Outcome =
  | { kind: "exited"; status: ChildStatus }
  | {
    kind: "guillotined";
    trigger: Trigger;
    status: ChildStatus | null;
    started: boolean;
    exitCode: number;
    stopMs?: number;
  }
  | { kind: "interrupted"; signal: number }
  | { kind: "wait-timeout"; notReady: string[] };

/** guillotine's exit code; the child's `successExitCodes` count as 0. */
export function exitCodeOf(
  outcome: Outcome,
  successExitCodes: readonly number[],
): number {
  return outcome.kind === "exited"
    ? exitCodeFor(outcome.status, successExitCodes)
    : outcome.kind === "guillotined"
    ? outcome.exitCode
    : outcome.kind === "interrupted"
    ? 128 + outcome.signal
    : EXIT_WAIT_TIMEOUT;
}

/** The completion record's facts for an outcome and its exit code. */
export function recordOf(outcome: Outcome, exitCode: number): RecordFacts {
  const { kind } = outcome;
  const signal = kind === "interrupted"
    ? outcome.signal
    : kind === "wait-timeout"
    ? null
    : outcome.status?.signal;
  const reason = kind === "exited"
    ? (signal ? "killed" : "exited")
    : kind === "guillotined"
    ? (outcome.started ? "guillotined" : "not-started")
    : kind;
  return { exitCode, signal: signal ? signalName(signal) : null, reason };
}
