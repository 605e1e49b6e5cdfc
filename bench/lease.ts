/**
 * Lost-main notice (guillotine only): a main side (`guillotine --notify`)
 * holds its lease over a sleeping child, each in its own PID namespace as in
 * a pod; the sidecar watches the record with the poll off and a short
 * `--lost-main-grace`. The harness reads the time and SIGKILLs the main's
 * PID 1 (an OOM kill of the main container: its lock goes with it); the
 * sidecar's child `kid trap` prints when its SIGTERM comes. The figure is
 * that time minus the grace: how long guillotine takes to notice a lost
 * main, beyond the wait it is told to make.
 *
 * @module
 */

import { elapsedMs, stampAndKill } from "./clock.ts";
import { sleep, spawn, untilIdle } from "../tests/harness/mod.ts";
import type { Results } from "./results.ts";
import { guillotine, guillotineRun, type Workspace } from "./wrappers.ts";

/** The sidecar's --lost-main-grace, subtracted from every figure. */
export const LOST_MAIN_GRACE_MS = 1_000;
const TIMEOUT_MS = 20_000;
/** A random phase against a periodic look at the lease, if there is one. */
const PHASE_MS = 250;

async function once(work: Workspace, rep: number): Promise<number> {
  const dir = `${work.dir}/lease-${rep}`;
  Deno.mkdirSync(dir);
  const record = `${dir}/done`;
  const main = spawn(
    guillotineRun(["--notify", record, "--", work.kid, "pause"]),
    { what: "main side (lease)" },
  );
  const sidecar = spawn(
    [
      ...guillotine(record, [
        "--poll-interval",
        "0",
        "--lost-main-grace",
        `${LOST_MAIN_GRACE_MS}ms`,
        "--grace-period",
        "10s",
      ]),
      work.kid,
      "trap",
    ],
    { what: "sidecar (lost main)" },
  );
  try {
    // The lease is taken before the main's child starts.
    await main.lines.expectLine("ready", TIMEOUT_MS);
    await sidecar.lines.expectLine("ready", TIMEOUT_MS);
    const mainPid1 = await main.pid();
    const sidecarPid1 = await sidecar.pid();
    await untilIdle(sidecarPid1);
    // Past a first periodic look, if the lease watch has one.
    await sleep(300 + Math.random() * PHASE_MS);
    const killed = stampAndKill(mainPid1, 9);
    const [handled] = await sidecar.lines.expectLine("term", TIMEOUT_MS);
    await sidecar.finish(TIMEOUT_MS);
    return elapsedMs(killed, BigInt(handled)) - LOST_MAIN_GRACE_MS;
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; sidecar's stderr: ${sidecar.stderr}`,
    );
  } finally {
    await main.close();
    await sidecar.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Measures the lost-main notice `reps` times. */
export async function benchLease(
  work: Workspace,
  results: Results,
  reps: number,
): Promise<void> {
  results.facts.lostMainGraceMs = LOST_MAIN_GRACE_MS;
  for (let rep = 0; rep < reps; rep++) {
    results.add("lost-main-notice", "guillotine", await once(work, rep));
  }
}
