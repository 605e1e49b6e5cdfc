/**
 * The Deno runtime's own costs, the floor under guillotine's figures: what
 * the primitives a PID 1 wrapper needs cost on first use (timed inside a
 * fixture with performance.now), and how long Deno.exit takes from the call
 * to the process's end (a pidfd, outside).
 *
 * @module
 */

import { elapsedMs } from "./clock.ts";
import { type Pid1Process, ROOT, spawn } from "../tests/harness/mod.ts";
import type { Results } from "./results.ts";
import { DENO_RUN, type Workspace } from "./wrappers.ts";

const TIMEOUT_MS = 20_000;

async function once(work: Workspace, results: Results): Promise<void> {
  const probe = spawn(
    [...DENO_RUN, "--allow-run", `${ROOT}bench/fixtures/costs.ts`],
    { pid1: false, what: "runtime costs", stdin: "piped" },
  );
  let watcher: Pid1Process | null = null;
  try {
    const costs = JSON.parse((await probe.lines.nextLine(TIMEOUT_MS)) ?? "{}");
    for (const [name, ms] of Object.entries(costs)) {
      (results.costs[name] ??= []).push(ms as number);
    }
    watcher = spawn([work.kid, "exitwatch", String(probe.process.pid)], {
      pid1: false,
      what: "exit watcher",
    });
    await watcher.lines.expectLine("ready", TIMEOUT_MS);
    const writer = probe.process.stdin.getWriter();
    await writer.write(new Uint8Array([10]));
    const [exiting] = await probe.lines.expectLine("exiting", TIMEOUT_MS);
    const [exited] = await watcher.lines.expectLine("exit", TIMEOUT_MS);
    (results.costs.denoExit ??= []).push(
      elapsedMs(BigInt(exiting), BigInt(exited)),
    );
    await writer.close().catch(() => {});
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${probe.stderr}`);
  } finally {
    await probe.close();
    await watcher?.close();
  }
}

/** Measures the runtime's costs `reps` times. */
export async function benchRuntime(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  for (let rep = 0; rep < reps; rep++) await once(work, results);
}
