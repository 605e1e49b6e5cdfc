/** Signals as users write them, and as logs name them (Linux numbers, the same on x86_64 and aarch64). */
export { SIGNAL_NUMBERS } from "../../sys/signals.ts";
import { SIGNAL_NUMBERS } from "../../sys/signals.ts";
import { cannotParse } from "./choice.ts";

const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SIGNAL_NUMBERS).map(([name, number]) => [number, name]),
);

export type Signal = { name: string; number: number };

/** `SIGTERM`, `TERM`, `term` or `15`, as a signal that can be sent. */
export function parseSignal(text: string): Signal {
  const trimmed = text.trim().toUpperCase();
  const fail = (why: string) => cannotParse("signal", text, why);
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    const name = SIGNAL_NAMES.get(number);
    if (name) return { name, number };
    throw fail(
      `no signal has number ${number}, use 1 to 31 or a name such as SIGTERM`,
    );
  }
  const name = trimmed.startsWith("SIG") ? trimmed : `SIG${trimmed}`;
  const number = SIGNAL_NUMBERS[name];
  if (number !== undefined) return { name, number };
  throw fail(
    "unknown name, use a name such as SIGTERM, SIGINT or SIGQUIT, or a number",
  );
}

/** A signal number's name for logs, or `signal N` (real-time signals). */
export function signalName(number: number): string {
  return SIGNAL_NAMES.get(number) ?? `signal ${number}`;
}
