/**
 * The signals guillotine takes, listened for from its first moment. This
 * module imports nothing, so that main.ts can install the listeners before
 * the rest of guillotine is even loaded: as PID 1, a signal that comes while
 * no listener exists is dropped by the kernel.
 *
 * @module
 */

/**
 * The signals guillotine forwards to its child's process group. Left out, as
 * tini does: SIGKILL and SIGSTOP (cannot be caught), SIGCHLD (it means "reap"),
 * the synchronous fault signals SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
 * SIGSEGV and SIGSYS (a handler would hide guillotine's own crash), and
 * SIGTTIN and SIGTTOU (a handler makes a background write to a terminal
 * retry forever).
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

/** The signals guillotine has received, from its first moment on. */
export interface SignalInbox {
  /** From now on, each signal goes to `handler`; those held so far first. */
  deliverTo(handler: (name: Deno.Signal) => void): void;
}

/**
 * Listens for every forwarded signal, for the rest of guillotine's life, and
 * holds what comes until a handler is there. Called first thing, before the
 * options are read: as PID 1, a signal that comes while no listener exists is
 * dropped by the kernel, and a SIGTERM in the first milliseconds must not be
 * lost.
 */
export function listenForSignals(): SignalInbox {
  const held: Deno.Signal[] = [];
  let deliver: ((name: Deno.Signal) => void) | null = null;
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
