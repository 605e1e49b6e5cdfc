/**
 * Waiting for conditions: poll until one holds (or fail with what was awaited),
 * check that one keeps holding. Nothing here asserts after a fixed sleep.
 *
 * @module
 */

/** Resolves after `ms` milliseconds (for pacing a measurement, not a test). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Polls `condition` until it returns a truthy value.
 *
 * @param what What is awaited, for the error; a function is called only then
 *   (to describe the state at the time of failure).
 * @returns That value.
 * @throws {Error} After `timeoutMs`, naming `what` was awaited.
 */
export async function pollUntil<T>(
  condition: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const awaited = typeof what === "string" ? what : what();
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${awaited}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Checks `condition` every `intervalMs` for `durationMs`.
 *
 * @throws {Error} As soon as it is false, naming `what` was expected.
 */
export async function holdsFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  durationMs: number,
  intervalMs = 10,
): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < durationMs) {
    if (!(await condition())) {
      throw new Error(
        `Expected ${what} for ${durationMs} ms, but it stopped after ` +
          `${Date.now() - start} ms`,
      );
    }
    await sleep(intervalMs);
  }
}
