/** How a child's end becomes guillotine's exit code, as shells and tini map it. */

/** How a process ended: its exit code, or the signal that killed it. */
export type ChildStatus = { code: number | null; signal: number | null };

/** Decodes a raw `waitpid` status word (Linux layout). */
export function decodeWaitStatus(raw: number): ChildStatus {
  const low = raw & 0x7f;
  return low
    ? { code: null, signal: low }
    : { code: raw >> 8 & 0xff, signal: null };
}

/** The shell's number: the exit code, or 128+n for death by signal n. */
export function shellCode(status: ChildStatus): number {
  return status.signal !== null ? 128 + status.signal : status.code ?? 0;
}

/**
 * The shell's number, or 0 when `--success-exit-code` lists it (128+n too,
 * so a proxy that dies of the SIGTERM it was sent can count as a success).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitCodeFor } from "./child_status.ts";
 * assert.equal(exitCodeFor({ code: null, signal: 15 }, []), 143);
 * assert.equal(exitCodeFor({ code: null, signal: 15 }, [143]), 0);
 * ```
 */
export function exitCodeFor(
  status: ChildStatus,
  successCodes: readonly number[],
): number {
  const code = shellCode(status);
  return successCodes.includes(code) ? 0 : code;
}

/** `exit code 3` or `killed by SIGTERM`, for logs. */
export function describeStatus(
  status: ChildStatus,
  name: (signal: number) => string,
): string {
  return status.signal !== null
    ? `killed by ${name(status.signal)}`
    : `exit code ${status.code}`;
}
