/**
 * Idle cost. Every wrapper runs at once, each as PID 1 of its own namespace
 * with a child that sleeps (`kid pause`), beside the Deno floors (a script
 * kept alive by one far timer, one with an empty 1 s interval, a minimal
 * Deno.Command wrapper), so the measuring time is paid once. After a settling
 * time, /proc is sampled at the start and end of equal windows: per window,
 * CPU time (schedstat, nanoseconds, summed over threads), wake-ups (voluntary
 * plus involuntary context switches, summed over threads) and VmRSS. The
 * figures are median, min and max over the windows. utime+stime of
 * /proc/PID/stat (10 ms ticks, too coarse for a window) is kept over the
 * whole time as a cross-check. The benchmark holds the lease of the watched
 * file, as a main container would, so guillotine's lease watch (on by
 * default) watches a held lease: with the poll off, what is left is that
 * watch's 10 s safety look.
 *
 * @module
 */

import {
  type Pid1Process,
  type ProcessSample,
  sampleProcess,
  sleep,
  spawn,
  type ThreadSample,
} from "../tests/harness/mod.ts";
import type { Results, ThreadWakeups } from "./results.ts";
import {
  type ConfigId,
  guillotineRun,
  PARTS,
  type PartsId,
  type Workspace,
  wrap,
} from "./wrappers.ts";
import { readMemory, v8UsageOf } from "./memory.ts";

const CONFIGS: ConfigId[] = [
  "tini",
  "dumb-init",
  "guillotine",
  "guillotine-nopoll",
  "deno-spawn",
  "deno-spawn-ffi",
  "deno-tick",
  "deno-floor",
  ...Object.keys(PARTS) as PartsId[],
];
const WINDOWS = 6;
const TIMEOUT_MS = 20_000;

interface Timed {
  at: number;
  sample: ProcessSample;
}

/**
 * A thread counter gained from `a` to `b`, summed over the threads alive at
 * `b` (one born in between counts from 0; one that died is lost).
 */
function gained(
  a: ProcessSample,
  b: ProcessSample,
  pick: (t: ThreadSample) => number,
): number {
  let sum = 0;
  for (const t of b.threads) {
    const before = a.threads.find((u) => u.tid === t.tid);
    sum += pick(t) - (before ? pick(before) : 0);
  }
  return sum;
}

/** Wake-ups and CPU per thread name over the whole measurement. */
function byThread(first: Timed, last: Timed): ThreadWakeups[] {
  const seconds = (last.at - first.at) / 1000;
  const groups = new Map<string, ThreadWakeups>();
  for (const t of last.sample.threads) {
    const before = first.sample.threads.find((u) => u.tid === t.tid);
    const comm = t.comm;
    const entry = groups.get(comm) ??
      { comm, threads: 0, perSecond: 0, cpuPercent: 0 };
    entry.threads++;
    entry.perSecond += (t.switches - (before?.switches ?? 0)) / seconds;
    entry.cpuPercent += (t.cpuNs - (before?.cpuNs ?? 0)) / 1e7 / seconds;
    groups.set(comm, entry);
  }
  return [...groups.values()].sort((a, b) => b.perSecond - a.perSecond);
}

/**
 * Where each one's memory is, once idle; the spawner variants also print V8's
 * view of theirs (Deno.memoryUsage) when sent SIGUSR2.
 */
async function readBreakdowns(
  running: Map<ConfigId, { ns: Pid1Process; pid1: number }>,
  results: Results,
): Promise<void> {
  for (const [id, { ns, pid1 }] of running) {
    const memory = readMemory(pid1);
    if (!memory) continue;
    if (id in PARTS) {
      Deno.kill(pid1, "SIGUSR2");
      const deadline = Date.now() + 5_000;
      while (!v8UsageOf(ns.stderr) && Date.now() < deadline) await sleep(20);
      memory.v8 = v8UsageOf(ns.stderr);
    }
    results.memory.set(id, memory);
  }
}

/**
 * Measures idle cost of every config at once for `seconds`.
 *
 * @param settleSeconds Let start-up work (compilation, GC) die down first.
 */
export async function benchIdle(
  work: Workspace,
  results: Results,
  seconds: number,
  settleSeconds: number,
): Promise<void> {
  results.facts.idleSeconds = seconds;
  results.facts.idleWindows = WINDOWS;
  const running = new Map<ConfigId, { ns: Pid1Process; pid1: number }>();
  // A main side holding its lease on the record that the guillotine rows
  // watch, as in a pod: their lease watch is on and sees it held.
  const main = spawn(
    guillotineRun([
      "--notify",
      `${work.quietDir}/done`,
      "--",
      work.kid,
      "pause",
    ]),
    { what: "idle main side (lease)" },
  );
  try {
    await main.lines.expectLine("ready", TIMEOUT_MS);
    for (const id of CONFIGS) {
      const ns = spawn(wrap(id, [work.kid, "pause"], work), {
        what: `idle ${id}`,
      });
      running.set(id, { ns, pid1: 0 });
    }
    for (const [id, entry] of running) {
      try {
        await entry.ns.lines.expectLine("ready", TIMEOUT_MS);
      } catch (error) {
        throw new Error(
          `${id}: ${(error as Error).message}; stderr: ${entry.ns.stderr}`,
        );
      }
      entry.pid1 = await entry.ns.pid();
    }
    await sleep(settleSeconds * 1000);
    const samples = new Map<ConfigId, Timed[]>(CONFIGS.map((id) => [id, []]));
    const windowMs = (seconds * 1000) / WINDOWS;
    const start = performance.now();
    for (let k = 0; k <= WINDOWS; k++) {
      if (k > 0) await sleep(start + k * windowMs - performance.now());
      for (const [id, { pid1 }] of running) {
        const sample = sampleProcess(pid1);
        if (!sample) throw new Error(`${id} exited while idle`);
        samples.get(id)!.push({ at: performance.now(), sample });
      }
    }
    for (const [id, list] of samples) {
      for (let k = 1; k < list.length; k++) {
        const a = list[k - 1], b = list[k];
        const s = (b.at - a.at) / 1000;
        results.add(
          "idle-cpu",
          id,
          gained(a.sample, b.sample, (t) => t.cpuNs) / 1e7 / s,
        );
        results.add(
          "idle-wakeups",
          id,
          gained(a.sample, b.sample, (t) => t.switches) / s,
        );
        results.add("idle-rss", id, b.sample.rssKiB / 1024);
      }
      const first = list[0], last = list[list.length - 1];
      results.threads.set(id, byThread(first, last));
      const ticks = last.sample.cpuTicks - first.sample.cpuTicks;
      results.facts[`idleTicks:${id}`] = ticks;
    }
    await readBreakdowns(running, results);
  } finally {
    await Promise.all([...running.values()].map(({ ns }) => ns.close()));
    await main.close();
  }
}
