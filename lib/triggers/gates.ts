/**
 * Readiness gates (`--wait-for`), waited for before the child starts. Each
 * attempt is bounded by what is left of the timeout (and 2 s); an abort (a
 * trigger, a signal) gives up the attempts in flight instead of waiting.
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
 * One attempt at a gate: null when it is ready, else why not (`missing`,
 * `refused`, `HTTP status 503`, `timeout`, `given up` once `signal` aborts...).
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

async function explain(gate: GateSpec, error: unknown): Promise<string> {
  if (error instanceof Deno.errors.NotFound) return "missing";
  if (error instanceof Deno.errors.ConnectionRefused) {
    // connect(2) on a path that is not a socket is refused too.
    const info = gate.kind === "unix" &&
      await Deno.stat(gate.path).catch(() => null);
    return info && !info.isSocket ? "not a socket" : "refused";
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
  if (gate.kind === "file") return Deno.stat(gate.path).then(() => null);
  if (gate.kind === "http") {
    const response = await fetch(gate.url, { signal, redirect: "follow" });
    await response.body?.cancel();
    return response.ok ? null : `HTTP status ${response.status}`;
  }
  const connecting = gate.kind === "unix"
    ? Deno.connect({ transport: "unix", path: gate.path })
    : Deno.connect({ hostname: gate.hostname, port: gate.port });
  // Deno.connect takes no signal: one that lands after the abort is closed.
  const conn = await within<Deno.Conn>(connecting, Infinity, {
    signal,
    dispose: (c) => c.close(),
  });
  if (conn === null) throw signal.reason;
  conn.close();
  return null;
}

type NotReady = { gate: GateSpec; why: string }; // why: at its last try

/** The gates not ready and why, for a log field: `file:/x: missing; ...`. */
export function lastTry(notReady: readonly NotReady[]): string {
  return notReady.map(({ gate, why }) => `${gate.text}: ${why}`).join("; ");
}

/** Waits for every gate, the timeout or `abort`; returns those not ready. */
export async function waitForGates(
  gates: readonly GateSpec[],
  timeoutMs: number,
  log: Logger,
  abort: Promise<unknown>,
): Promise<NotReady[]> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const why = new Map<GateSpec, string>(gates.map((g) => [g, "not tried"]));
  const notReady = () => [...why].map(([gate, why]) => ({ gate, why }));
  const stop = new AbortController();
  abort.then(() => stop.abort());
  const texts = (gates: Iterable<GateSpec>) => [...gates].map((g) => g.text);
  log.info("waiting for gates", { wait_for: texts(gates).join(",") });
  let nextProgress = started + PROGRESS_MS;
  await retry(async (): Promise<void> => {
    const left = deadline - performance.now();
    if (left <= 0) return;
    const round = AbortSignal.any([
      stop.signal,
      AbortSignal.timeout(Math.min(ATTEMPT_TIMEOUT_MS, left)),
    ]);
    await Promise.all([...why.keys()].map(async (gate) => {
      const notReady = await whyNotReady(gate, round);
      if (notReady === null) {
        why.delete(gate);
        log.info(`ready: ${gate.text}`, {
          after: formatDuration(Math.round(performance.now() - started)),
        });
      } // An attempt given up for the abort keeps the reason before it.
      else if (notReady !== "given up") why.set(gate, notReady);
    }));
    const now = performance.now();
    if (!why.size || stop.signal.aborted || now >= deadline) return;
    if (now >= nextProgress) {
      log.info(`still waiting for ${texts(why.keys()).join(", ")}`, {
        waited: formatDuration(Math.floor((now - started) / 1000) * 1000),
        timeout: formatDuration(timeoutMs),
        last_try: lastTry(notReady()),
      });
      nextProgress += PROGRESS_MS;
    }
  }, {
    done: () => !why.size || performance.now() >= deadline,
    pauseMs: () => Math.min(RETRY_MS, deadline - performance.now()),
    signal: stop.signal,
  });
  return notReady();
}
