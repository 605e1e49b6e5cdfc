/**
 * Processes: reaping any child, signalling a pid or a process group,
 * registering as child subreaper.
 *
 * @module
 */

import { SIGNAL_NUMBERS } from "./signals.ts";
import { errno, libc, occasionalCalls } from "./libc.ts";

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const { SIGTTIN, SIGTTOU } = SIGNAL_NUMBERS;

/**
 * Reaps one exited child, any child, without blocking.
 *
 * @returns Its pid and raw status, or null when no child has exited.
 */
export function reapOne(): { pid: number; status: number } | null {
  const pid = libc().waitpid(-1, statusBytes, WNOHANG);
  return pid > 0 ? { pid, status: statusWord[0] } : null;
}

// One buffer for every waitpid: reaping thousands of orphans allocates nothing.
const statusWord = new Int32Array(1);
const statusBytes = new Uint8Array(statusWord.buffer);

/**
 * Sends a signal, as kill(2): a negative pid names a process group, signal 0
 * only asks whether any process is there.
 *
 * @returns 0, or the errno (ESRCH: nobody there).
 */
export function kill(pid: number, signal: number): number {
  return libc().kill(pid, signal) === 0 ? 0 : errno();
}

/** Makes orphans of our descendants come to us, as they would to PID 1. */
export function becomeSubreaper(): boolean {
  return occasionalCalls().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) ===
    0;
}

/** guillotine's own pid. */
export function getpid(): number {
  return Deno.pid;
}

/**
 * Ignores SIGTTIN and SIGTTOU in guillotine (not in the child), so that it is
 * not stopped when it logs while the child holds the terminal, as tini does.
 */
export function ignoreTerminalStops(): void {
  // Without a terminal on any standard stream there is nothing to stop for.
  const streams = [Deno.stdin, Deno.stdout, Deno.stderr];
  if (!streams.some((stream) => stream.isTerminal())) return;
  const ignore = Deno.UnsafePointer.create(1n);
  occasionalCalls().signal(SIGTTIN, ignore);
  occasionalCalls().signal(SIGTTOU, ignore);
}
