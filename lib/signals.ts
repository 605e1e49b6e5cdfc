/**
 * Signal names and numbers of Linux (the same on x86_64 and aarch64), and
 * the rules for which signals guillotine forwards.
 *
 * @module
 */

/** Linux's signal numbers by name. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SIGNAL_NUMBERS).map(([name, number]) => [number, name]),
);

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

/**
 * Parses a signal as users write it: `SIGTERM`, `TERM`, `term` or `15`.
 *
 * @param text What the user wrote.
 * @returns The signal's canonical name and number.
 * @throws {RangeError} When it names no signal that can be sent.
 *
 * @example
 * ```ts
 * import { parseSignal } from "./signals.ts";
 * console.assert(parseSignal("int").number === 2);
 * console.assert(parseSignal("15").name === "SIGTERM");
 * ```
 */
export function parseSignal(text: string): { name: string; number: number } {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    const name = SIGNAL_NAMES.get(number);
    if (name === undefined) {
      throw new RangeError(
        `Cannot parse signal "${text}": no signal has number ${number}, use 1 to 31 or a name such as SIGTERM`,
      );
    }
    return { name, number };
  }
  const upper = trimmed.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const number = SIGNAL_NUMBERS[name];
  if (number === undefined) {
    throw new RangeError(
      `Cannot parse signal "${text}": unknown name, use a name such as SIGTERM, SIGINT or SIGQUIT, or a number`,
    );
  }
  return { name, number };
}

/**
 * Names a signal number for logs.
 *
 * @param number A signal number.
 * @returns Its name, or `signal N` for one without a name (real-time signals).
 *
 * @example
 * ```ts
 * import { signalName } from "./signals.ts";
 * console.assert(signalName(9) === "SIGKILL");
 * ```
 */
export function signalName(number: number): string {
  return SIGNAL_NAMES.get(number) ?? `signal ${number}`;
}
