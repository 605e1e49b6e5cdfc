/**
 * Signal forwarding latency. The child is `kid trap`, whose SIGTERM handler
 * prints the time; the harness stamps the time and sends SIGTERM to PID 1
 * from outside the namespace, as the kubelet's runtime does, once PID 1 has
 * settled (no thread of it has run for 20 ms: its start-up work is done, as
 * in a sidecar that has been running a while). With no wrapper the handler is
 * PID 1's own.
 *
 * @module
 */

import { elapsedMs, stampAndKill } from "./clock.ts";
import { spawn, untilIdle } from "../tests/harness/mod.ts";
import type { Results } from "./results.ts";
import { type ConfigId, rotate, type Workspace, wrap } from "./wrappers.ts";

const CONFIGS: ConfigId[] = ["none", "tini", "dumb-init", "guillotine"];
const SIGTERM = 15;
const TIMEOUT_MS = 20_000;

async function once(id: ConfigId, work: Workspace): Promise<number> {
  const ns = spawn(wrap(id, [work.kid, "trap"], work), {
    what: `signal forwarding of ${id}`,
  });
  try {
    await ns.lines.expectLine("ready", TIMEOUT_MS);
    const pid1 = await ns.pid();
    await untilIdle(pid1);
    const sent = stampAndKill(pid1, SIGTERM);
    const [handled] = await ns.lines.expectLine("term", TIMEOUT_MS);
    return elapsedMs(sent, BigInt(handled));
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  } finally {
    await ns.finish(TIMEOUT_MS);
  }
}

/** Measures signal forwarding `reps` times per config, round-robin. */
export async function benchSignal(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  for (let rep = 0; rep < reps; rep++) {
    for (const id of rotate(CONFIGS, rep)) {
      results.add("signal", id, await once(id, work));
    }
  }
}
