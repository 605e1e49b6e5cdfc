/**
 * What `--restart-policy` means for the sidecar. Under `OnFailure` the kubelet
 * restarts a failed main in place (the Job removes the pod at `backoffLimit`),
 * so only a success ends the sidecar: ending on a failure would restart the
 * sidecar too, which would find the old record and end again (a crash loop).
 * @module
 */

import type { RestartPolicy } from "../options/values/restart_policy.ts";

/** What the sidecar saw of a main container's end. */
export type MainEnd =
  | { kind: "record"; exitCode: number | null } // null: not a record
  | { kind: "lost-main" };

/**
 * Whether a main container's end ends the sidecar. A file that is no record
 * (a plain `touch`) says nothing of failure, so it does.
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
