/**
 * Readiness gates: wait, before the child starts, until each `--wait-for`
 * is ready. Loaded only when a gate is given.
 *
 * The wait keeps to its timeout and ends at once when told to: each attempt
 * is bounded by what is left of the timeout (and by 2 s), and an abort (a
 * trigger, a terminating signal) gives up the attempts in flight instead of
 * waiting for them.
 *
 * @module
 */

import { formatDuration } from "../options/values/duration.ts";
import type { GateSpec } from "../options/values/gate_spec.ts";
import type { Logger } from "../log/logger.ts";

const RETRY_MS = 100;
const ATTEMPT_TIMEOUT_MS = 2000;
const PROGRESS_MS = 5000;

/**
 * Whether a gate is ready now: one attempt, false as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReady } from "./gates.ts";
 * const gave = AbortSignal.abort();
 * assert.equal(await isReady({ kind: "file", path: "/", text: "file:/" }, gave), false);
 * ```
 */
export async function isReady(
  gate: GateSpec,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    return await abortable(attempt(gate, signal), signal, () => {});
  } catch {
    return false;
  }
}

async function attempt(gate: GateSpec, signal: AbortSignal): Promise<boolean> {
  switch (gate.kind) {
    case "file":
      await Deno.stat(gate.path);
      return true;
    case "unix":
    case "tcp": {
      const connecting = gate.kind === "unix"
        ? Deno.connect({ transport: "unix", path: gate.path })
        : Deno.connect({ hostname: gate.hostname, port: gate.port });
      // Deno.connect takes no signal: a connection that lands after the
      // abort is closed, not leaked.
      const conn = await abortable<Deno.Conn>(
        connecting,
        signal,
        (c) => c.close(),
      );
      conn.close();
      return true;
    }
    case "http": {
      const response = await fetch(gate.url, { signal, redirect: "follow" });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300;
    }
  }
}

/**
 * The work's result, or a rejection as soon as `signal` aborts; `dispose`
 * then gets the result if it comes later.
 */
function abortable<T>(
  work: Promise<T>,
  signal: AbortSignal,
  dispose: (value: T) => void,
): Promise<T> {
  if (signal.aborted) {
    work.then(dispose, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then(dispose, () => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then((value) => {
      signal.removeEventListener("abort", onAbort);
      if (!signal.aborted) resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

/**
 * Waits until every gate is ready, or the timeout, or `abort`. Says every
 * few seconds what is still awaited.
 *
 * @returns The gates still not ready (empty when all are).
 */
export async function waitForGates(
  gates: readonly GateSpec[],
  timeoutMs: number,
  log: Logger,
  abort: Promise<unknown>,
): Promise<GateSpec[]> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const pending = new Set(gates);
  const stop = new AbortController();
  abort.then(() => stop.abort());
  log.info("waiting for gates", {
    wait_for: gates.map((g) => g.text).join(","),
  });
  let nextProgress = started + PROGRESS_MS;
  while (pending.size && !stop.signal.aborted) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    const round = AbortSignal.any([
      stop.signal,
      AbortSignal.timeout(Math.min(ATTEMPT_TIMEOUT_MS, left)),
    ]);
    const results = await Promise.all(
      [...pending].map(async (g) => [g, await isReady(g, round)] as const),
    );
    for (const [gate, ready] of results) {
      if (ready) {
        pending.delete(gate);
        log.info(`ready: ${gate.text}`, {
          after: formatDuration(Math.round(performance.now() - started)),
        });
      }
    }
    const now = performance.now();
    if (!pending.size || stop.signal.aborted || now >= deadline) break;
    if (now >= nextProgress) {
      log.info(
        `still waiting for ${[...pending].map((g) => g.text).join(", ")}`,
        {
          waited: formatDuration(Math.floor((now - started) / 1000) * 1000),
          timeout: formatDuration(timeoutMs),
        },
      );
      nextProgress += PROGRESS_MS;
    }
    await pause(Math.min(RETRY_MS, deadline - now), stop.signal);
  }
  return [...pending];
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
