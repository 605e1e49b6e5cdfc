/**
 * How a child's end becomes guillotine's exit code, as shells and tini map it.
 *
 * @module
 */

/** How a process ended: its exit code, or the signal that killed it. */
export interface ChildStatus {
  /** The exit code when it exited, else null. */
  code: number | null;
  /** The signal that killed it, else null. */
  signal: number | null;
}

/**
 * Decodes a raw `waitpid` status word (Linux layout).
 *
 * @param raw The status that `waitpid` stored.
 * @returns The exit code or the killing signal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWaitStatus } from "./child_status.ts";
 * assert.equal(decodeWaitStatus(3 << 8).code, 3);
 * assert.equal(decodeWaitStatus(9).signal, 9);
 * ```
 */
export function decodeWaitStatus(raw: number): ChildStatus {
  const low = raw & 0x7f;
  if (low === 0) return { code: (raw >> 8) & 0xff, signal: null };
  return { code: null, signal: low };
}

/**
 * The shell's number for how a child ended: its code, or 128+n for death by
 * signal n.
 *
 * @param status How the child ended.
 * @returns A number from 0 to 255.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellCode } from "./child_status.ts";
 * assert.equal(shellCode({ code: null, signal: 15 }), 143);
 * ```
 */
export function shellCode(status: ChildStatus): number {
  return status.signal !== null ? 128 + status.signal : status.code ?? 0;
}

/**
 * guillotine's exit code for a child that ended without a trigger: the
 * shell's number, or 0 when that number is listed as success
 * (`--success-exit-code`, which also covers 128+n, so a proxy that dies of
 * the SIGTERM it was sent can count as a success).
 *
 * @param status How the child ended.
 * @param successCodes Codes that count as 0.
 * @returns The exit code for guillotine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitCodeFor } from "./child_status.ts";
 * assert.equal(exitCodeFor({ code: 143, signal: null }, [143]), 0);
 * assert.equal(exitCodeFor({ code: 2, signal: null }, [143]), 2);
 * ```
 */
export function exitCodeFor(
  status: ChildStatus,
  successCodes: readonly number[],
): number {
  const code = shellCode(status);
  return successCodes.includes(code) ? 0 : code;
}

/**
 * Describes how a child ended, for logs.
 *
 * @param status How the child ended.
 * @param name Names a signal number.
 * @returns `exit code 3` or `signal SIGTERM`.
 */
export function describeStatus(
  status: ChildStatus,
  name: (signal: number) => string,
): string {
  return status.signal !== null
    ? `killed by ${name(status.signal)}`
    : `exit code ${status.code}`;
}
