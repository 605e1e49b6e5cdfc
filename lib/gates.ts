/**
 * Readiness gates: wait, before the child starts, until each `--wait-for`
 * is ready. Loaded only when a gate is given.
 *
 * @module
 */

import { formatDuration } from "./values/duration.ts";
import type { GateSpec } from "./values/gate_spec.ts";
import type { Logger } from "./log/logger.ts";

const RETRY_MS = 100;
const ATTEMPT_TIMEOUT_MS = 2000;
const PROGRESS_MS = 5000;

/** Whether a gate is ready now; one attempt, bounded in time. */
export async function isReady(gate: GateSpec): Promise<boolean> {
  try {
    switch (gate.kind) {
      case "file":
        await Deno.stat(gate.path);
        return true;
      case "unix":
        (await withTimeout(
          Deno.connect({ transport: "unix", path: gate.path }),
        )).close();
        return true;
      case "tcp":
        (await withTimeout(
          Deno.connect({ hostname: gate.hostname, port: gate.port }),
        )).close();
        return true;
      case "http": {
        const response = await fetch(gate.url, {
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
          redirect: "follow",
        });
        await response.body?.cancel();
        return response.status >= 200 && response.status < 300;
      }
    }
  } catch {
    return false;
  }
}

async function withTimeout<T extends Deno.Conn>(
  connecting: Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("connect timed out")),
      ATTEMPT_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (error) {
    // A connection that lands after the timeout is closed, not leaked.
    connecting.then((conn) => conn.close(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
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
  const started = Date.now();
  const pending = new Set(gates);
  let aborted = false;
  let wake: (() => void) | undefined;
  abort.then(() => {
    aborted = true;
    wake?.();
  });
  log.info("waiting for gates", {
    wait_for: gates.map((g) => g.text).join(","),
  });
  let nextProgress = started + PROGRESS_MS;
  while (pending.size && !aborted) {
    const results = await Promise.all(
      [...pending].map(async (g) => [g, await isReady(g)] as const),
    );
    for (const [gate, ready] of results) {
      if (ready) {
        pending.delete(gate);
        log.info(`ready: ${gate.text}`, {
          after: formatDuration(Date.now() - started),
        });
      }
    }
    const now = Date.now();
    if (!pending.size || aborted || now - started >= timeoutMs) break;
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
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        resolve,
        Math.min(RETRY_MS, timeoutMs - (now - started)),
      );
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return [...pending];
}
