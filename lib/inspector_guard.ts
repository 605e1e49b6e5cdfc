/**
 * Deno 2.9.2 and later start the V8 inspector, a debugger without any
 * authentication, on 127.0.0.1:9229 when the process gets SIGUSR1
 * (denoland/deno#35738), and offer no way to turn that off. guillotine
 * forwards SIGUSR1 (proxies reopen logs with it, pgbouncer pauses), so it
 * must receive it; it then closes the debugger the moment it is up, so that
 * no other container of the pod can attach to PID 1. Deno usually still prints
 * its "Debugger listening" banner; when the close comes before Deno's server
 * thread gets to it, it does not.
 *
 * @module
 */

import type { Logger } from "./log/logger.ts";

/** How long after a SIGUSR1 the debugger may take to come up. */
const WATCH_MS = 3_000;
const POLL_MS = 1;

let watching = false;

/**
 * After a SIGUSR1: waits for the debugger that Deno starts, and closes it.
 * Never throws.
 */
export async function closeSignalDebugger(log: Logger): Promise<void> {
  if (watching) return;
  watching = true;
  try {
    const inspector = await import("node:inspector");
    const deadline = Date.now() + WATCH_MS;
    while (Date.now() < deadline) {
      const url = inspector.url();
      if (url) {
        inspector.close();
        log.warn("closed the debugger that Deno opens on SIGUSR1", {
          address: new URL(url).host,
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch (error) {
    log.warn("cannot close the debugger that Deno opens on SIGUSR1", {
      error: (error as Error)?.message ?? String(error),
    });
  } finally {
    watching = false;
  }
}
