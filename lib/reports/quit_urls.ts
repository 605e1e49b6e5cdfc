/**
 * Quit requests (`--quit-url`): when guillotine ends, it asks sidecars that
 * it cannot wrap (an injected proxy) to quit. All URLs at once, each with a
 * short timeout and a few tries, the whole bounded in time; each result is
 * one log line. Nothing here throws or changes the exit code. Loaded only
 * when a quit URL is given.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { formatDuration } from "../options/values/duration.ts";
import type { QuitTarget } from "../options/values/quit_url.ts";
import { retry, within } from "../runtime/delay.ts";

/** How hard to try; injectable so that tests need not wait seconds. */
export interface QuitPolicy {
  /** Each try's limit, from connecting to the response's status line. */
  timeoutMs: number;
  attempts: number;
  /** The pause before the second try, doubled before each further one. */
  backoffMs: number;
}

/** 1 s a try, 3 tries, 100 ms then 200 ms between them: at most 3.3 s. */
export const QUIT_POLICY: QuitPolicy = {
  timeoutMs: 1000,
  attempts: 3,
  backoffMs: 100,
};

/** How one target's request ended. */
export interface QuitResult {
  target: QuitTarget;
  /** The last response's status, or null when none came. */
  status: number | null;
  /** Why no response came, when none did. */
  error: string | null;
  attempts: number;
}

/**
 * The longest that {@linkcode sendQuitRequests} can take under a policy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUIT_POLICY, quitBoundMs } from "./quit_urls.ts";
 *
 * assert.equal(quitBoundMs(QUIT_POLICY), 3300);
 * ```
 */
export function quitBoundMs(policy: QuitPolicy): number {
  let pauses = 0;
  for (let i = 1; i < policy.attempts; i++) {
    pauses += policy.backoffMs * 2 ** (i - 1);
  }
  return policy.attempts * policy.timeoutMs + pauses;
}

/**
 * Whether another try may help: no answer at all, or a server error. A 4xx
 * will not change (wrong method, not from localhost, endpoint disabled).
 */
function worthRetrying(result: { status: number | null }): boolean {
  return result.status === null || result.status >= 500;
}

/** The useful end of fetch's error chain, on one line. */
function describeError(error: unknown, timeoutMs: number): string {
  if ((error as Error)?.name === "TimeoutError") {
    return `no answer within ${formatDuration(timeoutMs)}`;
  }
  let inner = error as Error & { cause?: unknown };
  while (inner?.cause instanceof Error) inner = inner.cause;
  const parts = String(inner?.message ?? error).replace(/\s+/g, " ")
    .replace(/^error sending request for url \([^)]*\): /, "").split(": ");
  return parts.slice(-2).join(": ");
}

async function attempt(
  target: QuitTarget,
  timeoutMs: number,
): Promise<{ status: number | null; error: string | null }> {
  try {
    const response = await fetch(target.url, {
      method: target.method,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
    await response.body?.cancel().catch(() => {});
    return { status: response.status, error: null };
  } catch (error) {
    return { status: null, error: describeError(error, timeoutMs) };
  }
}

async function sendOne(
  target: QuitTarget,
  policy: QuitPolicy,
): Promise<QuitResult> {
  const { result, tries } = await retry(
    () => attempt(target, policy.timeoutMs),
    {
      done: (last) => !worthRetrying(last),
      pauseMs: (tried) => policy.backoffMs * 2 ** (tried - 1),
      attempts: policy.attempts,
    },
  );
  return { target, ...result, attempts: tries };
}

function report(result: QuitResult, log: Logger): void {
  const fields = {
    url: result.target.url,
    method: result.target.method,
    ...(result.status === null
      ? { error: result.error }
      : { status: result.status }),
    attempts: result.attempts,
  };
  if (result.status !== null && result.status >= 200 && result.status < 300) {
    log.info("quit request answered", fields);
  } else {
    log.warn("quit request failed", fields);
  }
}

/**
 * Sends every quit request at once and logs each result as one line. Tries
 * again, after a short pause, on no answer and on 5xx. Resolves within
 * {@linkcode quitBoundMs} (plus a little), whatever the endpoints do, and
 * never rejects.
 *
 * @returns One result per target, in order.
 */
export async function sendQuitRequests(
  targets: readonly QuitTarget[],
  log: Logger,
  policy: QuitPolicy = QUIT_POLICY,
): Promise<QuitResult[]> {
  const results: (QuitResult | null)[] = targets.map(() => null);
  let closed = false;
  const all = Promise.all(targets.map(async (target, i) => {
    let result: QuitResult;
    try {
      result = await sendOne(target, policy);
    } catch (error) {
      result = {
        target,
        status: null,
        error: String((error as Error)?.message ?? error),
        attempts: 1,
      };
    }
    results[i] = result;
    if (!closed) report(result, log);
  }));
  // A request that ignores its abort signal must not keep guillotine alive.
  await within(all, quitBoundMs(policy) + 200);
  closed = true;
  return results.map((result, i) => {
    if (result) return result;
    const unfinished: QuitResult = {
      target: targets[i],
      status: null,
      error: "unfinished when time was up",
      attempts: policy.attempts,
    };
    report(unfinished, log);
    return unfinished;
  });
}
