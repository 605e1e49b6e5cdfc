/**
 * guillotine's own variables: a `GUILLOTINE_*` variable that no option reads
 * is a typo (`GUILLOTINE_WATCHED_FIEL`), and ignoring it would leave a plain
 * init that never fires. Pure: the environment comes as a value.
 *
 * @module
 */

import { OPTIONS } from "./table.ts";

/** The variables that options read, aliases included. */
export const KNOWN_VARIABLES: readonly string[] = OPTIONS.flatMap((
  option,
) => [option.env, ...(option.envAliases ?? [])]);

/**
 * The edit distance between two words: the fewest insertions, deletions,
 * substitutions or swaps of two neighbours that turn one into the other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./variables.ts";
 * assert.equal(editDistance("FIEL", "FILE"), 1);
 * assert.equal(editDistance("", "abc"), 3);
 * assert.equal(editDistance("kitten", "sitting"), 3);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known variable nearest to `name` by edit distance (the first of the
 * table's order on a tie).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nearestVariable } from "./variables.ts";
 * assert.equal(nearestVariable("GUILLOTINE_WATCHED_FIEL"), "GUILLOTINE_WATCHED_FILE");
 * assert.equal(nearestVariable("GUILLOTINE_GRACE_PERIOD_"), "GUILLOTINE_GRACE_PERIOD");
 * ```
 */
export function nearestVariable(name: string): string {
  let best = KNOWN_VARIABLES[0];
  let bestDistance = Infinity;
  for (const known of KNOWN_VARIABLES) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return best;
}

/**
 * The first `GUILLOTINE_*` variable of `env` (in name order) that no option
 * reads, with a one-line message naming the nearest known one.
 *
 * @returns The message, or null when every such variable is known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownVariable } from "./variables.ts";
 * assert.equal(unknownVariable({ GUILLOTINE_SIGNAL: "INT", HOME: "/" }), null);
 * assert.match(
 *   unknownVariable({ GUILLOTINE_WATCHED_FIEL: "/share/done" })!,
 *   /GUILLOTINE_WATCHED_FILE/,
 * );
 * ```
 */
export function unknownVariable(
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const known = new Set(KNOWN_VARIABLES);
  const unknown = Object.keys(env).filter((name) =>
    name.startsWith("GUILLOTINE_") && !known.has(name)
  ).sort();
  if (!unknown.length) return null;
  const [name] = unknown;
  return `Unknown variable "${name}": no option reads it (did you mean ${
    nearestVariable(name)
  }?); rename it, or unset it`;
}
