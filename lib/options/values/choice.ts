/** Small values as users write them: exit codes, one word of a few, switches. */

/** The error of a value that does not parse, as every parser words it. */
export function cannotParse(what: string, text: string, why: string) {
  return new RangeError(`Cannot parse ${what} "${text}": ${why}`);
}

export function parseExitCode(text: string): number {
  if (!/^\s*\d{1,3}\s*$/.test(text) || Number(text) > 255) {
    throw cannotParse("exit code", text, "use a whole number from 0 to 255");
  }
  return Number(text);
}

/** One of `choices`, ignoring case and surrounding space; `hint` ends the error. */
export function parseChoice<T extends string>(
  what: string,
  text: string,
  choices: readonly T[],
  hint = "",
): T {
  const value = text.trim().toLowerCase();
  const found = choices.find((choice) => choice.toLowerCase() === value);
  if (found !== undefined) return found;
  throw cannotParse(what, text, `use ${choices.join(" or ")}${hint}`);
}

/** `true`, `yes`, `on`, `1`, or `false`, `no`, `off`, `0`, `` (any case). */
export function parseSwitch(what: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw cannotParse(what, text, "use on or off");
}
