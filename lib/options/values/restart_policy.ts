/**
 * The pod's `restartPolicy`, as `--restart-policy` takes it.
 *
 * @module
 */

/** A Job's pod restarts its containers never, or on failure. */
export type RestartPolicy = "Never" | "OnFailure";

/**
 * Parses `Never` or `OnFailure`, ignoring case and surrounding space.
 *
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRestartPolicy } from "./restart_policy.ts";
 * assert.equal(parseRestartPolicy(" onfailure "), "OnFailure");
 * assert.throws(() => parseRestartPolicy("Always"), /Never or OnFailure/);
 * ```
 */
export function parseRestartPolicy(text: string): RestartPolicy {
  const value = text.trim().toLowerCase();
  if (value === "never") return "Never";
  if (value === "onfailure") return "OnFailure";
  throw new RangeError(
    `Cannot parse restart policy "${text}": use Never or OnFailure, the restartPolicy of the pod's spec`,
  );
}
