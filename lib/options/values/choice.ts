/**
 * Small values as users write them: exit codes, one word out of a few, and
 * switches.
 *
 * @module
 */

/**
 * Parses an exit code, a whole number from 0 to 255.
 *
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExitCode } from "./choice.ts";
 *
 * assert.equal(parseExitCode(" 143 "), 143);
 * assert.throws(() => parseExitCode("256"), RangeError);
 * ```
 */
export function parseExitCode(text: string): number {
  if (!/^\s*\d{1,3}\s*$/.test(text) || Number(text) > 255) {
    throw new RangeError(
      `Cannot parse exit code "${text}": use a whole number from 0 to 255`,
    );
  }
  return Number(text);
}

/**
 * Parses one word out of `choices`, ignoring case and surrounding space.
 *
 * @param what What the value is, for the error message.
 * @throws {RangeError} For a word that is not one of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChoice } from "./choice.ts";
 *
 * assert.equal(parseChoice("watch mode", "ANY", ["all", "any"]), "any");
 * assert.throws(() => parseChoice("watch mode", "some", ["all", "any"]), RangeError);
 * ```
 */
export function parseChoice<T extends string>(
  what: string,
  text: string,
  choices: readonly T[],
): T {
  const value = text.trim().toLowerCase();
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new RangeError(
      `Cannot parse ${what} "${text}": use ${choices.join(" or ")}`,
    );
  }
  return found;
}

/**
 * Parses a switch: `true`, `yes`, `on`, `1` or `false`, `no`, `off`, `0`.
 *
 * @param what What the value is, for the error message.
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSwitch } from "./choice.ts";
 *
 * assert.equal(parseSwitch("exit-code-from-file", "Yes"), true);
 * assert.equal(parseSwitch("exit-code-from-file", "off"), false);
 * ```
 */
export function parseSwitch(what: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw new RangeError(`Cannot parse ${what} "${text}": use on or off`);
}
