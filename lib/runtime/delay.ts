/**
 * Waiting, once for the whole program: a pause that an `AbortSignal` cuts
 * short ({@linkcode delay}), a bound on work that may never end
 * ({@linkcode within}), tries again after a pause ({@linkcode retry}), and
 * a pace for a flood of requests ({@linkcode pacer}).
 *
 * These use Deno's timers, whose module costs a few milliseconds when first
 * used (lib/runtime/ticker.ts says how much): fine where guillotine is ending
 * or waiting anyway (the grace period, the gates, the quit requests).
 * Periodic work that runs while a signal may need forwarding fast (the poll
 * of the watch, the leases, the warm-up's bound) uses the ticker instead.
 *
 * @module
 */

/**
 * Resolves after `ms`, or as soon as `signal` aborts (at once if it has).
 * Never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { delay } from "./delay.ts";
 *
 * const stop = new AbortController();
 * const started = performance.now();
 * const waiting = delay(60_000, stop.signal);
 * stop.abort();
 * await waiting;
 * assert.ok(performance.now() - started < 1000);
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

const EXPIRED: unique symbol = Symbol("expired");

/** How {@linkcode within} gives up. */
export interface WithinOptions<T> {
  /** Gives up when it aborts, too. */
  signal?: AbortSignal;
  /** Gets a value that comes after giving up (a connection to close). */
  dispose?: (value: T) => void;
}

/**
 * `work`'s value, or null when `ms` pass (or `signal` aborts) first. Work
 * that ends after that is not waited for: its value goes to `dispose`, its
 * failure is dropped. A failure in time is thrown.
 *
 * @param ms `Infinity` for no time limit (then `signal` alone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./delay.ts";
 *
 * assert.equal(await within(Promise.resolve(3), 1000), 3);
 * assert.equal(await within(new Promise(() => {}), 1), null);
 * ```
 */
export async function within<T>(
  work: Promise<T>,
  ms: number,
  { signal, dispose }: WithinOptions<T> = {},
): Promise<T | null> {
  const stop = new AbortController();
  const limit = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
  const expired = ms === Infinity
    ? new Promise<void>((resolve) => {
      if (limit.aborted) resolve();
      limit.addEventListener("abort", () => resolve(), { once: true });
    })
    : delay(ms, limit);
  let result: T | typeof EXPIRED;
  try {
    result = await Promise.race([
      work,
      expired.then((): typeof EXPIRED => EXPIRED),
    ]);
  } finally {
    stop.abort();
  }
  if (result !== EXPIRED) return result;
  work.then((value) => dispose?.(value), () => {});
  return null;
}

/** How {@linkcode retry} tries. */
export interface RetryOptions<T> {
  /** Whether a try's result is final (no more tries). */
  done: (result: T) => boolean;
  /** The pause after try number `tried` (1 after the first). */
  pauseMs: (tried: number) => number;
  /** At most this many tries (default: no limit). */
  attempts?: number;
  /** No further try once it aborts; a pause ends at once. */
  signal?: AbortSignal;
}

/**
 * Calls `attempt` until its result is done, the tries are used up, or
 * `signal` aborts; pauses between tries. The first try always runs.
 *
 * @returns The last try's result and how many tries were made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retry } from "./delay.ts";
 *
 * let n = 0;
 * const { result, tries } = await retry(() => Promise.resolve(++n), {
 *   done: (value) => value === 3,
 *   pauseMs: () => 1,
 * });
 * assert.deepEqual([result, tries], [3, 3]);
 * ```
 */
export async function retry<T>(
  attempt: (tried: number) => Promise<T>,
  { done, pauseMs, attempts = Infinity, signal }: RetryOptions<T>,
): Promise<{ result: T; tries: number }> {
  let tries = 0;
  for (;;) {
    const result = await attempt(tries);
    tries++;
    if (done(result) || tries >= attempts || signal?.aborted) {
      return { result, tries };
    }
    await delay(pauseMs(tries), signal);
    if (signal?.aborted) return { result, tries };
  }
}

/**
 * A pace: of the calls in each `windowMs`, the first `free` go at once and
 * each further one waits `ms` (less if `signal` aborts). A client that waits
 * for each answer before it asks again is held to a few answers a second.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pacer } from "./delay.ts";
 *
 * const pace = pacer({ free: 2, windowMs: 60_000, ms: 20 });
 * const started = performance.now();
 * await pace();
 * await pace();
 * assert.ok(performance.now() - started < 15);
 * await pace();
 * assert.ok(performance.now() - started >= 15);
 * ```
 */
export function pacer(
  { free, windowMs, ms }: { free: number; windowMs: number; ms: number },
  signal?: AbortSignal,
): () => Promise<void> {
  let windowStart = -Infinity;
  let calls = 0;
  return () => {
    const now = performance.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      calls = 0;
    }
    return ++calls > free ? delay(ms, signal) : Promise.resolve();
  };
}
