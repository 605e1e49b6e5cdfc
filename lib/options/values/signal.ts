/**
 * Signal names and numbers of Linux (the same on x86_64 and aarch64), and
 * signals as users write them.
 *
 * @module
 */

export { SIGNAL_NUMBERS } from "../../sys/signals.ts";
import { SIGNAL_NUMBERS } from "../../sys/signals.ts";

const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SIGNAL_NUMBERS).map(([name, number]) => [number, name]),
);

/** A signal by its canonical name and its number. */
export interface Signal {
  name: string;
  number: number;
}

/**
 * Parses a signal as users write it: `SIGTERM`, `TERM`, `term` or `15`.
 *
 * @param text What the user wrote.
 * @returns The signal's canonical name and number.
 * @throws {RangeError} When it names no signal that can be sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSignal } from "./signal.ts";
 *
 * assert.deepEqual(parseSignal("int"), { name: "SIGINT", number: 2 });
 * assert.deepEqual(parseSignal("15"), { name: "SIGTERM", number: 15 });
 * assert.throws(() => parseSignal("SIGNOPE"), RangeError);
 * ```
 */
export function parseSignal(text: string): Signal {
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
 * import assert from "node:assert/strict";
 * import { signalName } from "./signal.ts";
 *
 * assert.equal(signalName(9), "SIGKILL");
 * assert.equal(signalName(40), "signal 40");
 * ```
 */
export function signalName(number: number): string {
  return SIGNAL_NAMES.get(number) ?? `signal ${number}`;
}
