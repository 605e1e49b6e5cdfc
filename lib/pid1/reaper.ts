/**
 * PID 1's duty: reap every child that exits, orphans included, and keep the
 * status of the children guillotine waits for. The child is spawned through
 * libc, not Deno, so no other reaper in the process competes for a status.
 */

import { type ChildStatus, decodeWaitStatus } from "./child_status.ts";
import { reapOne } from "../sys/process.ts";
import type { Logger } from "../log/logger.ts";

interface Waiter {
  resolve: (status: ChildStatus) => void;
  onReap?: () => void;
}

/** Reaps on SIGCHLD and hands out the statuses of awaited children. */
export class Reaper {
  #waiting = new Map<number, Waiter>();
  #orphans = 0;
  #afterReap: (() => void) | null = null;

  constructor(private readonly log: Logger) {}

  /** Listens for SIGCHLD for good, and reaps what has exited already. */
  start(): void {
    Deno.addSignalListener("SIGCHLD", () => this.reap());
    this.reap();
  }

  /**
   * The child's status once reaped. Call it in the spawn's turn of the event
   * loop: reaping runs only between turns, so the status cannot be taken for
   * an orphan's first. `onReap` runs in the waitpid's turn, before the pid
   * can be reused.
   */
  exitOf(pid: number, onReap?: () => void): Promise<ChildStatus> {
    return new Promise((resolve) =>
      this.#waiting.set(pid, { resolve, onReap })
    );
  }

  /** Calls `hook` in the turn of every reap of an orphan. */
  afterReap(hook: () => void): void {
    this.#afterReap = hook;
  }

  /** Reaps until none is left: one SIGCHLD may stand for many exits. */
  reap(): void {
    const before = this.#orphans;
    for (let reaped = reapOne(); reaped; reaped = reapOne()) {
      const waiter = this.#waiting.get(reaped.pid);
      if (!waiter) {
        this.#orphans++;
        continue;
      }
      this.#waiting.delete(reaped.pid);
      waiter.onReap?.();
      waiter.resolve(decodeWaitStatus(reaped.status));
    }
    if (this.#orphans === before) return;
    this.#afterReap?.();
    this.log.debug("reaped orphans", {
      count: this.#orphans - before,
      total: this.#orphans,
    });
  }
}
