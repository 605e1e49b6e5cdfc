/**
 * The figures of a series of runs: median, min, max.
 *
 * @module
 */

/** A series summed up. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Sums up a series; NaN values (failed runs) are left out.
 *
 * @returns The summary, or null for a series with no value.
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * const s = summarize([3, 1, 2, 10]);
 * console.assert(s?.median === 2.5 && s.min === 1 && s.max === 10);
 * ```
 */
export function summarize(values: readonly number[]): Summary | null {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const median = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[n - 1], n };
}

/**
 * `value` over `reference`, or null when the reference is too close to zero
 * for the ratio to mean anything.
 *
 * @example
 * ```ts
 * import { ratio } from "./stats.ts";
 * console.assert(ratio(3, 2) === 1.5);
 * console.assert(ratio(3, 0) === null);
 * ```
 */
export function ratio(value: number, reference: number): number | null {
  return Math.abs(reference) < 1e-9 ? null : value / reference;
}
