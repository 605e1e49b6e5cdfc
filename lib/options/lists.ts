/**
 * How a list option's value is read, the same way from a flag and from its
 * variable: split by the list's separator (`,`, or white space for `" "`),
 * and never a list in another separator taken as one odd item without a
 * word (`GUILLOTINE_QUIT_URL=istio,envoy`).
 *
 * @module
 */

/** A list option's separator: a comma, white space (`" "`), or none. */
export type Separator = "," | " " | null;

/** What the rules need of a list option. */
export interface ListOption {
  flag: string;
  env: string;
  parse: (text: string) => unknown;
  list?: { separator: Separator; item?: RegExp };
}

const NAMES = { ",": "comma-separated", " ": "space-separated" } as const;

function split(text: string, separator: "," | " "): string[] {
  return text.split(separator === "," ? "," : /\s+/).map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * The items of one value (a flag's or the variable's): split by the list's
 * separator; a value that is not a list, or a list without one, is one item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listItems } from "./lists.ts";
 * const quit = { flag: "--quit-url", env: "Q", parse: String, list: { separator: " " as const } };
 * assert.deepEqual(listItems(quit, " http://a/q\n http://b/q "), ["http://a/q", "http://b/q"]);
 * assert.deepEqual(listItems({ ...quit, list: undefined }, " x "), [" x "]);
 * ```
 */
export function listItems(option: ListOption, text: string): string[] {
  const separator = option.list?.separator ?? null;
  return separator === null ? [text] : split(text, separator);
}

/**
 * Refuses an item that reads as a list in a separator that is not the
 * option's: two or more pieces that each parse (and have the list's item
 * shape, when it declares one).
 *
 * @throws {RangeError} Naming the option's separator and the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkListItem } from "./lists.ts";
 * const codes = {
 *   flag: "--success-exit-code",
 *   env: "GUILLOTINE_SUCCESS_EXIT_CODES",
 *   parse: (t: string) => { if (!/^\d+$/.test(t)) throw new RangeError(t); },
 *   list: { separator: "," as const },
 * };
 * assert.throws(() => checkListItem(codes, "143 0"), /comma-separated/);
 * checkListItem(codes, "143");
 * ```
 */
export function checkListItem(option: ListOption, item: string): void {
  if (!option.list) return;
  const own = option.list.separator;
  for (const other of [",", " "] as const) {
    if (other === own) continue;
    const pieces = split(item, other);
    if (pieces.length < 2 || !pieces.every((p) => fits(option, p))) continue;
    const fix = own === null
      ? `give ${option.flag} once for each (${option.env} holds one)`
      : `write "${pieces.join(own)}"`;
    throw new RangeError(
      `Value "${item}" of ${option.flag} looks like a ${
        NAMES[other]
      } list, but its lists are ${
        own === null ? "one item a value" : NAMES[own]
      }: ${fix}`,
    );
  }
}

function fits(option: ListOption, piece: string): boolean {
  if (option.list?.item && !option.list.item.test(piece)) return false;
  try {
    option.parse(piece);
    return true;
  } catch {
    return false;
  }
}
