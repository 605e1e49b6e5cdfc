/**
 * A list option's value, read the same way from a flag and from its variable:
 * split by the list's separator, and never a list in another separator taken
 * as one odd item without a word (`GUILLOTINE_QUIT_URL=istio,envoy`).
 */

import type { AnyOption } from "./spec.ts";

/** A list option's separator: a comma, white space (`" "`), or none. */
export type Separator = "," | " " | null;

/** What the rules need of an option. */
type ListOption = Pick<AnyOption, "flag" | "env" | "list"> & {
  parse: (text: string) => unknown;
};

const NAMES = { ",": "comma-separated", " ": "space-separated" } as const;

function split(text: string, separator: "," | " "): string[] {
  return text.split(separator === "," ? "," : /\s+/).map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The items of one value: split by the list's separator, else one item. */
export function listItems(option: ListOption, text: string): string[] {
  const separator = option.list?.separator ?? null;
  return separator === null ? [text] : split(text, separator);
}

/**
 * Refuses an item that reads as a list in another separator than the
 * option's: two or more pieces that each parse (and have the item's shape).
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
