/** The assertions the tests use, over `node:assert/strict` (no @std here). */
import * as nodeAssert from "node:assert/strict";

/** Fails with `message` unless `condition` holds. */
export function assert(
  condition: unknown,
  message?: string,
): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Deep, strict equality. */
export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  nodeAssert.deepEqual(actual, expected, message);
}

/** The text matches the pattern. */
export function assertMatch(
  actual: string,
  pattern: RegExp,
  message?: string,
): void {
  nodeAssert.match(actual, pattern, message);
}

/** `fn` throws an error of `type` whose message matches `pattern`. */
export function assertThrows(
  fn: () => unknown,
  type: new (...args: never[]) => Error,
  pattern?: RegExp,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert(
    caught instanceof type,
    `expected ${type.name}, got ${String(caught)}`,
  );
  if (pattern) assertMatch(caught.message, pattern);
  return caught;
}
