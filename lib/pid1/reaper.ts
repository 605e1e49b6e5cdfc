/**
 * PID 1's duty: reap every child that exits, orphans included, and keep the
 * status of the children guillotine is waiting for. guillotine spawns through
 * libc, not through Deno, so no other reaper in the process competes for a
 * status: whatever `waitpid(-1)` returns is ours to keep.
 *
 * @module
 */

import { type ChildStatus, decodeWaitStatus } from "./child_status.ts";
import { reapOne } from "../sys/process.ts";
import type { Logger } from "../log/logger.ts";

/** Reaps on SIGCHLD and hands out the statuses of awaited children. */
export class Reaper {
  #waiting = new Map<
    number,
    { resolve: (status: ChildStatus) => void; onReap?: () => void }
  >();
  #orphans = 0;
  #log: Logger;
  #afterReap: (() => void) | null = null;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Listens for SIGCHLD, for the rest of guillotine's life, and reaps what
   * has already exited.
   */
  start(): void {
    Deno.addSignalListener("SIGCHLD", () => this.reap());
    this.reap();
  }

  /**
   * Waits for a child's exit status. Call it in the same turn of the event
   * loop as the spawn: reaping runs only between turns, so the status cannot
   * be taken for an orphan's before the call.
   *
   * @param onReap Called in the same turn as the waitpid that reaped it,
   *   before anything else can use the pid (which is then free for reuse).
   */
  exitOf(pid: number, onReap?: () => void): Promise<ChildStatus> {
    return new Promise((resolve) =>
      this.#waiting.set(pid, { resolve, onReap })
    );
  }

  /** Calls `hook` in the same turn as every reap that freed a pid. */
  afterReap(hook: () => void): void {
    this.#afterReap = hook;
  }

  /** How many children that nobody awaited have been reaped. */
  get orphansReaped(): number {
    return this.#orphans;
  }

  /**
   * Reaps every child that has exited. Signals coalesce, so one SIGCHLD may
   * stand for many exits: loop until none is left.
   */
  reap(): void {
    const before = this.#orphans;
    for (let reaped = reapOne(); reaped; reaped = reapOne()) {
      const waiter = this.#waiting.get(reaped.pid);
      if (waiter) {
        this.#waiting.delete(reaped.pid);
        waiter.onReap?.();
        waiter.resolve(decodeWaitStatus(reaped.status));
      } else {
        this.#orphans++;
      }
    }
    if (this.#orphans > before) {
      this.#afterReap?.();
      this.#log.debug("reaped orphans", {
        count: this.#orphans - before,
        total: this.#orphans,
      });
    }
  }
}
