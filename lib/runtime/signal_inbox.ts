/**
 * The signals guillotine takes, listened for from its first moment. It imports
 * nothing, so main.ts installs the listeners before the rest loads: as PID 1,
 * a signal that comes while no listener exists is dropped by the kernel.
 */

/**
 * Forwarded to the child's process group. Left out, as tini does: SIGKILL and
 * SIGSTOP (uncatchable), SIGCHLD (means "reap"), the fault signals SIGILL,
 * SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS (a handler would hide
 * guillotine's own crash), SIGTTIN and SIGTTOU (a handler makes a background
 * write to a terminal retry forever).
 */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCONT",
  "SIGTSTP",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
];

/** `deliverTo` hands the signals held so far to `handler`, then each new one. */
export type SignalInbox = { deliverTo(handler: Handler): void };
type Handler = (name: Deno.Signal) => void;

/** Listens for every forwarded signal for good, holding them until a handler is there. */
export function listenForSignals(): SignalInbox {
  const held: Deno.Signal[] = [];
  let deliver: Handler | null = null;
  for (const name of FORWARDED_SIGNALS) {
    Deno.addSignalListener(
      name,
      () => deliver ? deliver(name) : held.push(name),
    );
  }
  return {
    deliverTo(handler) {
      deliver = handler;
      for (const name of held.splice(0)) handler(name);
    },
  };
}
