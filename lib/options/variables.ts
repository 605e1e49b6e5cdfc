/** A `GUILLOTINE_*` variable no option reads is a typo: ignored, it would leave an init that never fires. */
import { OPTIONS } from "./table.ts";

const KNOWN = OPTIONS.flatMap((o) => [o.env, ...(o.envAliases ?? [])]);

/** The fewest insertions, deletions, substitutions or swaps of two neighbours from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The known variable nearest to `name` (the table's first on a tie). */
export function nearestVariable(name: string): string {
  const distances = KNOWN.map((known) => editDistance(name, known));
  return KNOWN[distances.indexOf(Math.min(...distances))];
}

/** A message on the first unknown `GUILLOTINE_*` variable (in name order), or null. */
export function unknownVariable(env: object): string | null {
  const [name] = Object.keys(env)
    .filter((n) => n.startsWith("GUILLOTINE_") && !KNOWN.includes(n)).sort();
  if (name === undefined) return null;
  const near = nearestVariable(name);
  return `Unknown variable "${name}": no option reads it (did you mean ${near}?); rename it, or unset it`;
}
