/**
 * What the pod's `restartPolicy` (`--restart-policy`) means for the
 * sidecar. Under `Never` every end of the main work ends the sidecar. Under
 * `OnFailure` the kubelet restarts a failed main container in place, and the
 * Job controller removes the pod once `backoffLimit` is reached, so only a
 * success ends the sidecar: ending on a failure would make the kubelet
 * restart the sidecar too, which would find the old record and end again (a
 * crash loop), while the restarted main would have no proxy.
 *
 * @module
 */

import type { RestartPolicy } from "../options/values/restart_policy.ts";

/** What the sidecar saw of a main container's end. */
export type MainEnd =
  /** A watched file: its recorded code, or null when it is not a record. */
  | { kind: "record"; exitCode: number | null }
  /** The main's lease free with no record for the grace period. */
  | { kind: "lost-main" };

/**
 * Whether a main container's end ends the sidecar. A file that is not a
 * record (a plain `touch`) says nothing of failure, so it ends it, as
 * before.
 *
 * @param successExitCodes The sidecar's `--success-exit-code`s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endsTheSidecar } from "./restart_policy.ts";
 * const failed = { kind: "record", exitCode: 3 } as const;
 * assert.equal(endsTheSidecar("Never", failed, []), true);
 * assert.equal(endsTheSidecar("OnFailure", failed, []), false);
 * assert.equal(endsTheSidecar("OnFailure", failed, [3]), true);
 * assert.equal(endsTheSidecar("OnFailure", { kind: "record", exitCode: 0 }, []), true);
 * assert.equal(endsTheSidecar("OnFailure", { kind: "record", exitCode: null }, []), true);
 * assert.equal(endsTheSidecar("OnFailure", { kind: "lost-main" }, []), false);
 * ```
 */
export function endsTheSidecar(
  policy: RestartPolicy,
  end: MainEnd,
  successExitCodes: readonly number[],
): boolean {
  if (policy === "Never") return true;
  if (end.kind === "lost-main") return false;
  return end.exitCode === null || end.exitCode === 0 ||
    successExitCodes.includes(end.exitCode);
}
