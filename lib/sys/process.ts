/** Processes: reaping, signalling, the subreaper, the terminal's stops. */

import { SIGNAL_NUMBERS } from "./signals.ts";
import { errno, libc, occasionalCalls } from "./libc.ts";

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;

// One buffer for every waitpid: reaping thousands of orphans allocates nothing.
const statusWord = new Int32Array(1);
const statusBytes = new Uint8Array(statusWord.buffer);

/** Reaps one exited child, any child, without blocking; null when none. */
export function reapOne(): { pid: number; status: number } | null {
  const pid = libc().waitpid(-1, statusBytes, WNOHANG);
  return pid > 0 ? { pid, status: statusWord[0] } : null;
}

/** kill(2) (a negative pid is a process group): 0, or the errno (ESRCH). */
export function kill(pid: number, signal: number): number {
  return libc().kill(pid, signal) === 0 ? 0 : errno();
}

/** Makes orphans of our descendants come to us, as they would to PID 1. */
export function becomeSubreaper(): boolean {
  return occasionalCalls().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
}

export const getpid = (): number => Deno.pid;

/** Ignores SIGTTIN and SIGTTOU, which stop a write to the child's terminal. */
export function ignoreTerminalStops(): void {
  const streams = [Deno.stdin, Deno.stdout, Deno.stderr];
  if (!streams.some((stream) => stream.isTerminal())) return;
  const ignore = Deno.UnsafePointer.create(1n); // SIG_IGN
  occasionalCalls().signal(SIGNAL_NUMBERS.SIGTTIN, ignore);
  occasionalCalls().signal(SIGNAL_NUMBERS.SIGTTOU, ignore);
}
