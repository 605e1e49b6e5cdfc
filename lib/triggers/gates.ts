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
import { retry, within } from "../runtime/delay.ts";

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
  return await whyNotReady(gate, signal) === null;
}

/**
 * One attempt at a gate.
 *
 * @returns Null when it is ready, else why not, in a few words: `missing`,
 *   `not a socket`, `refused`, `HTTP status 503`, `timeout`, or the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whyNotReady } from "./gates.ts";
 * const gate = { kind: "file", path: "/", text: "file:/" } as const;
 * assert.equal(await whyNotReady(gate, AbortSignal.abort()), "given up");
 * ```
 */
export async function whyNotReady(
  gate: GateSpec,
  signal: AbortSignal,
): Promise<string | null> {
  try {
    // Wrapped: within's null means given up, attempt's null means ready.
    const tried = await within(
      attempt(gate, signal).then((why) => ({ why })),
      Infinity,
      { signal },
    );
    if (tried) return tried.why;
  } catch (error) {
    if (!signal.aborted) return await explain(gate, error);
  }
  const reason = signal.reason as Error | undefined;
  return reason?.name === "TimeoutError" ? "timeout" : "given up";
}

/** Why an attempt failed, from its error. */
async function explain(gate: GateSpec, error: unknown): Promise<string> {
  if (error instanceof Deno.errors.NotFound) return "missing";
  if (error instanceof Deno.errors.ConnectionRefused) {
    // connect(2) on a path that is not a socket is refused too.
    if (gate.kind === "unix") {
      const info = await Deno.stat(gate.path).catch(() => null);
      if (info && !info.isSocket) return "not a socket";
    }
    return "refused";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.TimedOut) return "timeout";
  const message = String((error as Error)?.message ?? error);
  return /refused/i.test(message) ? "refused" : message;
}

async function attempt(
  gate: GateSpec,
  signal: AbortSignal,
): Promise<string | null> {
  switch (gate.kind) {
    case "file":
      await Deno.stat(gate.path);
      return null;
    case "unix":
    case "tcp": {
      const connecting = gate.kind === "unix"
        ? Deno.connect({ transport: "unix", path: gate.path })
        : Deno.connect({ hostname: gate.hostname, port: gate.port });
      // Deno.connect takes no signal: a connection that lands after the
      // abort is closed, not leaked.
      const conn = await within<Deno.Conn>(connecting, Infinity, {
        signal,
        dispose: (c) => c.close(),
      });
      if (conn === null) throw signal.reason;
      conn.close();
      return null;
    }
    case "http": {
      const response = await fetch(gate.url, { signal, redirect: "follow" });
      await response.body?.cancel();
      const ok = response.status >= 200 && response.status < 300;
      return ok ? null : `HTTP status ${response.status}`;
    }
  }
}

/**
/** A gate still not ready, and why at its last try. */
export interface NotReady {
  gate: GateSpec;
  why: string;
}

/**
 * The gates not ready and why, for a log field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastTry } from "./gates.ts";
 * const gate = { kind: "file", path: "/x", text: "file:/x" } as const;
 * assert.equal(lastTry([{ gate, why: "missing" }]), "file:/x: missing");
 * ```
 */
export function lastTry(notReady: readonly NotReady[]): string {
  return notReady.map(({ gate, why }) => `${gate.text}: ${why}`).join("; ");
}

/**
 * Waits until every gate is ready, or the timeout, or `abort`. Says every
 * few seconds what is still awaited, and why.
 *
 * @returns The gates still not ready, with why at their last try (empty
 *   when all are ready).
 */
export async function waitForGates(
  gates: readonly GateSpec[],
  timeoutMs: number,
  log: Logger,
  abort: Promise<unknown>,
): Promise<NotReady[]> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const pending = new Set(gates);
  const why = new Map<GateSpec, string>(gates.map((g) => [g, "not tried"]));
  const stop = new AbortController();
  abort.then(() => stop.abort());
  log.info("waiting for gates", {
    wait_for: gates.map((g) => g.text).join(","),
  });
  let nextProgress = started + PROGRESS_MS;
  const tryAll = async (): Promise<void> => {
    const left = deadline - Date.now();
    if (left <= 0) return;
    const round = AbortSignal.any([
      stop.signal,
      AbortSignal.timeout(Math.min(ATTEMPT_TIMEOUT_MS, left)),
    ]);
    const results = await Promise.all(
      [...pending].map(async (g) => [g, await whyNotReady(g, round)] as const),
    );
    for (const [gate, notReady] of results) {
      // An attempt given up for the abort keeps the reason before it.
      if (notReady !== null && notReady !== "given up") why.set(gate, notReady);
      if (notReady === null) {
        pending.delete(gate);
        log.info(`ready: ${gate.text}`, {
          after: formatDuration(Date.now() - started),
        });
      }
    }
    const now = Date.now();
    if (!pending.size || stop.signal.aborted || now >= deadline) return;
    if (now >= nextProgress) {
      log.info(
        `still waiting for ${[...pending].map((g) => g.text).join(", ")}`,
        {
          waited: formatDuration(Math.floor((now - started) / 1000) * 1000),
          timeout: formatDuration(timeoutMs),
          last_try: lastTry(
            [...pending].map((g) => ({ gate: g, why: why.get(g)! })),
          ),
        },
      );
      nextProgress += PROGRESS_MS;
    }
  };
  await retry(tryAll, {
    done: () => !pending.size || Date.now() >= deadline,
    pauseMs: () => Math.min(RETRY_MS, deadline - Date.now()),
    signal: stop.signal,
  });
  return [...pending].map((gate) => ({ gate, why: why.get(gate)! }));
}
