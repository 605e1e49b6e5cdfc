/**
 * Waiting, once for the whole program: pauses, bounds, tries, paces. Deno's
 * timers cost a few ms on first use (see ticker.ts): fine where guillotine is
 * ending or waiting anyway; periodic work uses the ticker instead.
 */

/** Resolves after `ms` (may be `Infinity`), or as soon as `signal` aborts. Never rejects. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    // setTimeout would take Infinity as 1 ms.
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

const EXPIRED: unique symbol = Symbol("expired");

/** `work`'s value, or null once `ms` pass or `signal` aborts; a late value goes to `dispose`. */
export async function within<T>(
  work: Promise<T>,
  ms: number,
  { signal, dispose }: {
    signal?: AbortSignal;
    dispose?: (value: T) => void;
  } = {},
): Promise<T | null> {
  const stop = new AbortController();
  const limit = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
  let result: T | typeof EXPIRED;
  try {
    result = await Promise.race([
      work,
      delay(ms, limit).then((): typeof EXPIRED => EXPIRED),
    ]);
  } finally {
    stop.abort();
  }
  if (result !== EXPIRED) return result;
  work.then((value) => dispose?.(value), () => {});
  return null;
}

/**
 * Calls `attempt` until `done(result)`, `attempts` tries, or `signal` aborts,
 * pausing `pauseMs(tries)` between; the first try always runs.
 */
export async function retry<T>(
  attempt: (tried: number) => Promise<T>,
  { done, pauseMs, attempts = Infinity, signal }: {
    done: (result: T) => boolean;
    pauseMs: (tried: number) => number;
    attempts?: number;
    signal?: AbortSignal;
  },
): Promise<{ result: T; tries: number }> {
  for (let tries = 1;; tries++) {
    const result = await attempt(tries - 1);
    if (done(result) || tries >= attempts || signal?.aborted) {
      return { result, tries };
    }
    await delay(pauseMs(tries), signal);
    if (signal?.aborted) return { result, tries };
  }
}

/**
 * A pace: of the calls in each `windowMs`, the first `free` go at once and
 * each further one waits `ms` (less if `signal` aborts).
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
