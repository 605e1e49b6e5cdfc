/**
 * Trigger latency, guillotine only: the harness stamps the time and creates
 * the watched file; the child (`kid trap`) prints when its SIGTERM handler
 * runs, and `kid exitwatch` (a pidfd on PID 1, outside the namespace) prints
 * when guillotine has exited. Once with file events (and the default 1 s
 * safety poll), once with the poll alone.
 *
 * guillotine arms its watch before it spawns the child, so the child's
 * "ready" means the watch is armed. The file is created once guillotine has
 * settled (no thread of it has run for 20 ms), at a random time (0 to 100 ms)
 * after that, so that runs sample the poll's whole cycle.
 *
 * @module
 */

import { elapsedMs, monotonicNs } from "./clock.ts";
import {
  type Pid1Process,
  sleep,
  spawn,
  untilIdle,
} from "../tests/harness/mod.ts";
import type { MetricId, Results } from "./results.ts";
import { guillotine, rotate, type Workspace } from "./wrappers.ts";

/** The poll interval of the poll-alone runs. */
export const POLL_INTERVAL = "100ms";
const PHASE_MS = 100;
const TIMEOUT_MS = 20_000;

type Method = "events" | "poll";

const OPTIONS: Record<Method, string[]> = {
  events: [],
  poll: ["--watch-method", "poll", "--poll-interval", POLL_INTERVAL],
};

async function once(
  method: Method,
  work: Workspace,
  rep: number,
): Promise<{ signalled: number; exited: number }> {
  const dir = `${work.dir}/trigger-${method}-${rep}`;
  Deno.mkdirSync(dir);
  const file = `${dir}/done`;
  const ns = spawn(
    [
      ...guillotine(file, [...OPTIONS[method], "--grace-period", "10s"]),
      work.kid,
      "trap",
    ],
    { what: `trigger (${method})` },
  );
  let watcher: Pid1Process | null = null;
  try {
    await ns.lines.expectLine("ready", TIMEOUT_MS);
    const pid1 = await ns.pid();
    await untilIdle(pid1);
    watcher = spawn([work.kid, "exitwatch", String(pid1)], {
      pid1: false,
      what: "exit watcher",
    });
    await watcher.lines.expectLine("ready", TIMEOUT_MS);
    // A random phase against the poll's timer, else every run would create
    // the file at the same point of the poll's cycle.
    await sleep(Math.random() * PHASE_MS);
    const created = monotonicNs();
    Deno.writeFileSync(file, new Uint8Array());
    const [handled] = await ns.lines.expectLine("term", TIMEOUT_MS);
    const [exited] = await watcher.lines.expectLine("exit", TIMEOUT_MS);
    const status = await ns.finish(TIMEOUT_MS);
    if (status?.code !== 0) {
      throw new Error(`guillotine exited with ${JSON.stringify(status)}`);
    }
    return {
      signalled: elapsedMs(created, BigInt(handled)),
      exited: elapsedMs(created, BigInt(exited)),
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  } finally {
    await ns.close();
    await watcher?.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Measures the trigger `reps` times per method, alternating. */
export async function benchTrigger(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  results.facts.pollInterval = POLL_INTERVAL;
  const methods: Method[] = ["events", "poll"];
  for (let rep = 0; rep < reps; rep++) {
    for (const method of rotate(methods, rep)) {
      const { signalled, exited } = await once(method, work, rep);
      results.add(
        `trigger-${method}-signal` as MetricId,
        "guillotine",
        signalled,
      );
      results.add(`trigger-${method}-exit` as MetricId, "guillotine", exited);
    }
  }
}
