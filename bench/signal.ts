/**
 * Signal forwarding latency. The child is `kid trap`, whose SIGTERM handler
 * prints the time; the harness stamps the time and sends SIGTERM to PID 1
 * from outside the namespace, as the kubelet's runtime does, at three
 * moments: as soon as the child said it is ready, 50 ms after (while a
 * wrapper may still be finishing its own start-up), and once PID 1 has
 * settled (no thread of it has run for 20 ms, as in a sidecar that has been
 * running a while). Each run is a new PID 1, so each figure is the first
 * signal it forwards. With no wrapper the handler is PID 1's own.
 *
 * The Deno floor is a forwarder that does nothing else (bench/fixtures/
 * forward.ts), warmed as guillotine is and not: it also stamps when its
 * listener begins, which measures Deno's own delivery of the signal.
 *
 * @module
 */

import { elapsedMs, stampAndKill } from "./clock.ts";
import { sleep, spawn, untilIdle } from "../tests/harness/mod.ts";
import type { MetricId, Results } from "./results.ts";
import { type ConfigId, rotate, type Workspace, wrap } from "./wrappers.ts";

const CONFIGS: ConfigId[] = [
  "none",
  "tini",
  "dumb-init",
  "guillotine",
  "deno-forward",
  "deno-forward-cold",
];
const SIGTERM = 15;
const TIMEOUT_MS = 20_000;
/** When the signal is sent: after the child's "ready", or once settled. */
const MOMENTS = [
  { after: 0, metric: "signal-0ms", js: "signal-js-0ms" },
  { after: 50, metric: "signal-50ms", js: "signal-js-50ms" },
  { after: "settled", metric: "signal-settled", js: "signal-js-settled" },
] as const;

type Moment = typeof MOMENTS[number];

async function once(
  id: ConfigId,
  moment: Moment,
  work: Workspace,
): Promise<{ ms: number; listenerMs: number | null }> {
  const ns = spawn(wrap(id, [work.kid, "trap"], work), {
    what: `signal forwarding of ${id}`,
  });
  try {
    await ns.lines.expectLine("ready", TIMEOUT_MS);
    const pid1 = await ns.pid();
    if (moment.after === "settled") await untilIdle(pid1);
    else if (moment.after > 0) await sleep(moment.after);
    const sent = stampAndKill(pid1, SIGTERM);
    const [handled] = await ns.lines.expectLine("term", TIMEOUT_MS);
    await ns.finish(TIMEOUT_MS);
    const listener = /^listener (\d+)$/m.exec(ns.stderr)?.[1];
    return {
      ms: elapsedMs(sent, BigInt(handled)),
      listenerMs: listener ? elapsedMs(sent, BigInt(listener)) : null,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  } finally {
    await ns.finish(TIMEOUT_MS);
  }
}

/** Measures signal forwarding `reps` times per config and moment. */
export async function benchSignal(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  for (let rep = 0; rep < reps; rep++) {
    for (const moment of MOMENTS) {
      for (const id of rotate(CONFIGS, rep)) {
        const { ms, listenerMs } = await once(id, moment, work);
        results.add(moment.metric as MetricId, id, ms);
        if (listenerMs !== null) {
          results.add(moment.js as MetricId, id, listenerMs);
        }
      }
    }
  }
}
