/**
 * Start-up overhead. PID 1 is first `kid exec-stamp`, which prints the time
 * and execs the wrapper (same pid, so the wrapper is PID 1); the child is
 * `kid stamp`, which prints the time as its main() begins. Their difference is
 * exec of the wrapper → exec of the child, read from one clock in one run,
 * with no harness latency in it. "No wrapper" execs `kid stamp` directly: the
 * cost of the child's own exec, included in every other row.
 *
 * The Deno floors: the empty script is timed by `kid run-timed` from its
 * spawn to its exit (all a Deno program costs before it could do anything);
 * the minimal spawners are one-module wrappers timed like the wrappers, one
 * spawning as guillotine does (posix_spawn through FFI: the fair peer), one
 * through Deno.Command. `guillotine --version` is timed like the empty
 * script: the cost of loading guillotine's code. Every Deno row runs with the
 * same flags (wrappers.ts, DENO_RUN).
 *
 * @module
 */

import { elapsedMs } from "./clock.ts";
import { spawn } from "../tests/harness/mod.ts";
import type { Results } from "./results.ts";
import {
  type ConfigId,
  rotate,
  timedToExit,
  type Workspace,
  wrap,
} from "./wrappers.ts";

const CONFIGS: ConfigId[] = [
  "none",
  "tini",
  "dumb-init",
  "guillotine",
  "guillotine-version",
  "deno-spawn-ffi",
  "deno-spawn",
  "deno-floor",
];
const TIMEOUT_MS = 20_000;

async function once(
  id: ConfigId,
  work: Workspace,
): Promise<{ ms: number; maxRssKiB?: number }> {
  const toExit = timedToExit(id, work);
  const argv = toExit ??
    [work.kid, "exec-stamp", ...wrap(id, [work.kid, "stamp"], work)];
  const ns = spawn(argv, { what: `start-up of ${id}` });
  try {
    if (toExit) {
      const [nanos, kib] = await ns.lines.skipToLine("run", TIMEOUT_MS);
      return { ms: Number(nanos) / 1e6, maxRssKiB: Number(kib) };
    }
    const [exec] = await ns.lines.expectLine("exec", TIMEOUT_MS);
    const [start] = await ns.lines.expectLine("start", TIMEOUT_MS);
    return { ms: elapsedMs(BigInt(exec), BigInt(start)) };
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  } finally {
    await ns.finish(TIMEOUT_MS);
  }
}

/** Measures start-up `reps` times per config, round-robin. */
export async function benchStartup(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  // Untimed: fills Deno's caches (transpiled modules) as a deployed image has.
  for (const id of CONFIGS) await once(id, work);
  for (let rep = 0; rep < reps; rep++) {
    for (const id of rotate(CONFIGS, rep)) {
      const { ms, maxRssKiB } = await once(id, work);
      results.add("startup", id, ms);
      if (id === "deno-floor") results.emptyScriptMaxRssKiB.push(maxRssKiB!);
    }
  }
}
