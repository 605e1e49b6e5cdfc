/**
 * Signal forwarding, PID 1's other duty beside reaping: every catchable
 * signal goes on to the child's process group.
 *
 * @module
 */

import type { Child } from "./child.ts";
import { closeSignalDebugger } from "./inspector_guard.ts";
import type { Logger } from "./log/logger.ts";
import { SIGNAL_NUMBERS } from "./values/signal.ts";

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

/** Signals that end guillotine when no child is there to forward them to. */
const TERMINATING: ReadonlySet<string> = new Set([
  "SIGTERM",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
]);

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

/**
 * Forwards every catchable signal to the child's process group. Before the
 * child exists, a terminating signal ends guillotine instead.
 */
export class SignalForwarder {
  #log: Logger;
  #child: Child | null = null;
  #warmUp: { name: Deno.Signal; standIn: Child; done: () => void } | null =
    null;
  #interrupt: (signal: number) => void;
  /** Resolves with a terminating signal that came before the child. */
  readonly interrupted: Promise<number>;
  /** That signal, once it came. */
  interruptedBy: number | null = null;

  constructor(log: Logger) {
    this.#log = log;
    const { promise, resolve } = Promise.withResolvers<number>();
    this.interrupted = promise;
    this.#interrupt = resolve;
  }

  /** Takes the signals of `inbox`, those already held first. */
  start(inbox: SignalInbox): void {
    inbox.deliverTo((name) => this.#receive(name));
  }

  /** From now on, signals go to this child's process group. */
  forwardTo(child: Child): void {
    this.#child = child;
  }

  /**
   * Runs the forwarding path once before the child starts (lib/warmup.ts):
   * `send` sends `name` to guillotine itself; when it comes, `standIn` gets
   * signal 0 where the child would get the signal, and nothing is logged.
   *
   * @param send Returns whether the signal was sent.
   * @returns Resolves when the signal has come, or was not sent.
   */
  warmUp(
    name: Deno.Signal,
    standIn: Child,
    send: () => boolean,
  ): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#warmUp = { name, standIn, done: resolve };
    if (!send()) {
      this.#warmUp = null;
      resolve();
    }
    return promise;
  }

  #receive(name: Deno.Signal): void {
    if (name === "SIGUSR1") closeSignalDebugger(this.#log);
    const number = SIGNAL_NUMBERS[name];
    const warmUp = this.#warmUp;
    if (warmUp?.name === name && this.#child === null) {
      this.#warmUp = null;
      warmUp.standIn.signal(0);
      return warmUp.done();
    }
    if (this.#child === null) {
      if (TERMINATING.has(name)) {
        this.#log.info(`received ${name} before the child started: exiting`);
        this.interruptedBy ??= number;
        this.#interrupt(number);
      } else {
        this.#log.debug(`received ${name} before the child started: ignored`);
      }
      return;
    }
    const error = this.#child.signal(number);
    if (error === 0) {
      this.#log.debug(`forwarded ${name} to the child's process group`, {
        pgid: this.#child.pid,
      });
    } else {
      this.#log.warn(`child was already gone when forwarding ${name}`, {
        pgid: this.#child.pid,
      });
    }
  }
}
