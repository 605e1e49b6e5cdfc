/**
 * `deno task readme`: writes the README's options table from the option
 * table itself (`optionsTable()` in lib/options/help.ts, which `--help` is
 * made from too), between the `<!-- options:begin -->` and
 * `<!-- options:end -->` markers. tests/docs/readme_test.ts fails when the
 * README's table is not what this would write.
 *
 * The table sits in a `deno-fmt-ignore` region: `deno fmt` would pad every
 * row to the widest cell, which more than doubles its size.
 *
 * @module
 */

import { optionsTable } from "../lib/options/help.ts";

export const BEGIN = "<!-- options:begin -->";
export const END = "<!-- options:end -->";
const IGNORE_START = "<!-- deno-fmt-ignore-start -->";
const IGNORE_END = "<!-- deno-fmt-ignore-end -->";

/** The README path, beside this script's directory. */
export const README = new URL("../README.md", import.meta.url).pathname;

/**
 * The README with its options table replaced by `table`.
 *
 * @throws {RangeError} When the markers are missing or out of order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withOptionsTable } from "./readme.ts";
 *
 * const readme = "a\n<!-- options:begin -->\nold\n<!-- options:end -->\nb\n";
 * assert.match(withOptionsTable(readme, "| new |"), /\n\| new \|\n/);
 * ```
 */
export function withOptionsTable(
  readme: string,
  table = optionsTable(),
): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new RangeError(
      `README.md has no "${BEGIN}" ... "${END}" region: put both markers where the options table goes`,
    );
  }
  const block = [BEGIN, IGNORE_START, table, IGNORE_END, ""].join("\n");
  return readme.slice(0, begin) + block + readme.slice(end);
}

if (import.meta.main) {
  const before = await Deno.readTextFile(README);
  const after = withOptionsTable(before);
  if (after === before) {
    console.log("README.md: the options table is up to date");
  } else {
    await Deno.writeTextFile(README, after);
    console.log("README.md: wrote the options table");
  }
}
