/**
 * Reaping. The child, `kid orphans N`, makes N processes in a process group
 * of their own and lets their parent exit, so all N are orphans of PID 1,
 * asleep. The harness stops PID 1 (SIGSTOP), SIGKILLs the orphans' group and
 * waits until all N are zombies; then it stamps the time and resumes PID 1
 * (SIGCONT), which finds N zombies and a pending SIGCHLD. Every millisecond
 * it then asks whether anyone is left in the group (kill with signal 0 finds
 * a zombie until it is reaped) and reads the kernel's count of tasks, which
 * drops as zombies are reaped (its first drop by 1 % of N: PID 1's wake-up).
 *
 * Why stopped: when a reaper races 10,000 exits on 2 cores, each
 * waitpid(-1) walks PID 1's list of children past the ones still alive, so
 * the figure swings tenfold from run to run with the scheduler's order, for
 * tini as for the others. With every orphan already a zombie, the figure is
 * the reaper's own: its wake-up, then its throughput. The orphans are made
 * before the clock starts too (making them is slow on these VMs).
 *
 * With no wrapper PID 1 is `kid` itself, which never reaps: one short run
 * shows that the zombies stay.
 *
 * @module
 */

import { elapsedMs, groupExists, monotonicNs, stampAndKill } from "./clock.ts";
import {
  childrenOf,
  cpuNsOf,
  type Pid1Process,
  pollUntil,
  procInfo,
  sleep,
  spawn,
  taskCount,
} from "../tests/harness/mod.ts";
import type { MetricId, Results } from "./results.ts";
import { type ConfigId, rotate, type Workspace, wrap } from "./wrappers.ts";

const CONFIGS: ConfigId[] = ["tini", "dumb-init", "guillotine"];
const SIGKILL = 9;
const SIGCONT = 18;
const SIGSTOP = 19;
const MAKE_TIMEOUT_MS = 120_000;
const REAP_TIMEOUT_MS = 60_000;

interface Burst {
  ns: Pid1Process;
  pid1: number;
  group: number;
  maker: number;
}

/** Starts N orphans under `id`. */
async function setUp(
  id: ConfigId,
  count: number,
  work: Workspace,
): Promise<Burst> {
  const ns = spawn(wrap(id, [work.kid, "orphans", String(count)], work), {
    what: `reaping under ${id}`,
  });
  try {
    await ns.lines.expectLine("ready", MAKE_TIMEOUT_MS);
    const pid1 = await ns.pid();
    const children = childrenOf(pid1);
    const orphans = children.filter((pid) => {
      const info = procInfo(pid);
      return info !== null && info.pgid !== pid;
    });
    const maker = id === "none"
      ? pid1
      : children.find((pid) => !orphans.includes(pid))!;
    if (orphans.length !== count) {
      throw new Error(
        `Expected ${count} orphans under PID 1, found ${orphans.length}`,
      );
    }
    return { ns, pid1, group: procInfo(orphans[0])!.pgid, maker };
  } catch (error) {
    await ns.close();
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  }
}

/** Polls every millisecond: the figures are in milliseconds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  await pollUntil(condition, what, REAP_TIMEOUT_MS, 1);
}

/** Kills the orphans while PID 1 is stopped, until all are zombies. */
async function killWhileStopped(burst: Burst): Promise<void> {
  const { pid1, group, maker } = burst;
  stampAndKill(pid1, SIGSTOP);
  await until(() => procInfo(pid1)?.state === "T", "PID 1 to stop");
  const orphans = childrenOf(pid1).filter((pid) => pid !== maker);
  stampAndKill(-group, SIGKILL);
  // A zombie stays one while its parent is stopped: check each once.
  let next = 0;
  await until(() => {
    while (next < orphans.length && procInfo(orphans[next])?.state === "Z") {
      next++;
    }
    return next === orphans.length;
  }, "the orphans to die");
}

async function once(
  id: ConfigId,
  count: number,
  work: Workspace,
): Promise<{ ms: number; firstMs: number; cpuMs: number }> {
  const burst = await setUp(id, count, work);
  const { ns, pid1, group, maker } = burst;
  try {
    await killWhileStopped(burst);
    const cpuBefore = cpuNsOf(pid1);
    const tasksBefore = taskCount();
    const resumed = stampAndKill(pid1, SIGCONT);
    let first: bigint | null = null;
    await until(() => {
      if (first === null && taskCount() <= tasksBefore - count / 100) {
        first = monotonicNs();
      }
      return !groupExists(group);
    }, `${id} to reap ${count} orphans`);
    const done = monotonicNs();
    const cpuMs = (cpuNsOf(pid1) - cpuBefore) / 1e6;
    const left = childrenOf(pid1).filter((pid) => pid !== maker);
    if (left.length) throw new Error(`${left.length} orphans left`);
    return {
      ms: elapsedMs(resumed, done),
      firstMs: elapsedMs(resumed, first ?? done),
      cpuMs,
    };
  } finally {
    await ns.close();
  }
}

/** Shows that without a wrapper the zombies stay. */
async function withoutReaper(
  count: number,
  work: Workspace,
  results: Results,
): Promise<void> {
  const burst = await setUp("none", count, work);
  try {
    await killWhileStopped(burst);
    stampAndKill(burst.pid1, SIGCONT);
    const waitMs = 1000;
    await sleep(waitMs);
    const zombies = childrenOf(burst.pid1)
      .filter((pid) => procInfo(pid)?.state === "Z").length;
    results.note(
      `reap-${count}` as MetricId,
      "none",
      `never: ${zombies.toLocaleString("en")} zombies left after ${
        waitMs / 1000
      } s`,
    );
  } finally {
    await burst.ns.close();
  }
}

/** Measures reaping of each burst size `reps` times per wrapper. */
export async function benchReaping(
  work: Workspace,
  results: Results,
  plan: { count: number; reps: number }[],
): Promise<void> {
  await withoutReaper(plan[0].count, work, results);
  for (const { count, reps } of plan) {
    for (let rep = 0; rep < reps; rep++) {
      for (const id of rotate(CONFIGS, rep)) {
        const { ms, firstMs, cpuMs } = await once(id, count, work);
        results.add(`reap-${count}` as MetricId, id, ms);
        if (count === 10_000) {
          results.add("reap-first-10000", id, firstMs);
          results.add("reap-cpu-10000", id, cpuMs);
        }
      }
    }
  }
}
