/**
 * Quit requests (`--quit-url`): as guillotine ends, it asks sidecars that it
 * cannot wrap (an injected proxy) to quit. Loaded only when one is given.
 */

import type { Logger } from "../log/logger.ts";
import { formatDuration } from "../options/values/duration.ts";
import type { QuitTarget } from "../options/values/quit_url.ts";
import { retry, within } from "../runtime/delay.ts";

/** A try's limit (to the status line), the tries, the first pause (doubling). */
export type QuitPolicy = Record<"timeoutMs" | "attempts" | "backoffMs", number>;

/** 1 s a try, 3 tries, 100 ms then 200 ms between them: at most 3.3 s. */
const POLICY: QuitPolicy = { timeoutMs: 1000, attempts: 3, backoffMs: 100 };

/** How a request ended: the last status, or why none came. */
type QuitTry = { status: number | null; error: string | null };
export type QuitResult = QuitTry & { target: QuitTarget; attempts: number };

/** The longest that {@linkcode sendQuitRequests} can take under `policy`. */
export function quitBoundMs(policy: QuitPolicy): number {
  const { timeoutMs, attempts, backoffMs } = policy;
  return attempts * timeoutMs +
    backoffMs * (2 ** Math.max(attempts - 1, 0) - 1);
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

async function sendOne(
  target: QuitTarget,
  { timeoutMs, attempts, backoffMs }: QuitPolicy,
): Promise<QuitResult> {
  const { url, method } = target;
  const attempt = async (): Promise<QuitTry> => {
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      const response = await fetch(url, { method, signal, redirect: "manual" });
      await response.body?.cancel().catch(() => {});
      return { status: response.status, error: null };
    } catch (error) {
      return { status: null, error: describeError(error, timeoutMs) };
    }
  };
  const { result, tries } = await retry(attempt, {
    // A 4xx will not change (wrong method, not from localhost, disabled).
    done: ({ status }) => status !== null && status < 500,
    pauseMs: (tried) => backoffMs * 2 ** (tried - 1),
    attempts,
  });
  return { target, ...result, attempts: tries };
}

function report({ target, status, error, attempts }: QuitResult, log: Logger) {
  const fields = {
    url: target.url,
    method: target.method,
    ...(status === null ? { error } : { status }),
    attempts,
  };
  if (status !== null && status >= 200 && status < 300) {
    log.info("quit request answered", fields);
  } else {
    log.warn("quit request failed", fields);
  }
}

/** Sends every quit request at once; resolves within the bound. Never rejects. */
export function sendQuitRequests(
  targets: readonly QuitTarget[],
  log: Logger,
  policy: QuitPolicy = POLICY,
): Promise<QuitResult[]> {
  // A request that ignores its abort signal must not keep guillotine alive.
  const boundMs = quitBoundMs(policy) + 200;
  return Promise.all(targets.map(async (target) => {
    const failed = (error: string, attempts: number): QuitResult => ({
      target,
      status: null,
      error,
      attempts,
    });
    const sent = sendOne(target, policy)
      .catch((error) => failed(String(error?.message ?? error), 1));
    const result = await within(sent, boundMs) ??
      failed("unfinished when time was up", policy.attempts);
    report(result, log);
    return result;
  }));
}
