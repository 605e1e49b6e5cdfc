/**
 * Signal forwarding while the quit endpoint is flooded: one guillotine as PID
 * 1 with `--listen`, its child `kid echo` (which prints the time of each
 * SIGUSR2); the harness stamps the time and sends SIGUSR2 to PID 1 from
 * outside the namespace, one signal at a time, in alternating phases: quiet,
 * then with 8 clients sending requests to the endpoint as fast as it answers
 * (each on its own kept-alive connection: /healthz, an unknown path, a quit
 * request with a bad code, none of which quits). The figure is the median
 * latency while flooded against the quiet median of the same run, as a ratio
 * (target: at most 2).
 *
 *   deno run -A bench/flood.ts [--rounds N]     (root: PID namespaces)
 *
 * `deno task bench --only flood` runs it too.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { elapsedMs, stampAndKill } from "./clock.ts";
import { buildKid } from "./kid.ts";
import { summarize } from "./stats.ts";
import { guillotine, type Workspace } from "./wrappers.ts";
import {
  closeAll,
  freePort,
  type Pid1Process,
  sleep,
  spawn,
} from "../tests/harness/mod.ts";

const SIGUSR2 = 12;
const SIGTERM = 15;
const CLIENTS = 8;
const TIMEOUT_MS = 20_000;
/** Signals per phase; phases alternate so that drift hits both alike. */
const PER_PHASE = 10;
/** Between two signals: signals of one kind coalesce. */
const GAP_MS = 20;
/** For the flood to be at full rate before the first signal. */
const RAMP_MS = 300;

/** The figure: medians in milliseconds, their ratio, the flood's rate. */
export interface FloodFigure {
  quietMs: number;
  floodMs: number;
  ratio: number;
  /** Requests answered per second during the flood phases. */
  requestsPerSecond: number;
  signals: number;
}

/** One signal forwarded: from the harness's stamp to the child's handler. */
async function forwardOnce(pid1: number, ns: Pid1Process): Promise<number> {
  const sent = stampAndKill(pid1, SIGUSR2);
  const [handled] = await ns.lines.expectLine("sig", TIMEOUT_MS);
  return elapsedMs(sent, BigInt(handled));
}

/** 8 clients, as fast as answered, until `stop` aborts. */
function flood(port: number, stop: AbortSignal): Promise<number[]> {
  const requests: [string, string][] = [
    ["GET", "/healthz"],
    ["GET", "/nothing-here"],
    ["POST", "/quitquitquit?code=999"],
    ["GET", "/healthz?probe=1"],
  ];
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      // A client of its own: one kept-alive connection each.
      using client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
      let answered = 0;
      while (!stop.aborted) {
        const [method, path] = requests[(answered + i) % requests.length];
        try {
          const response = await fetch(`http://127.0.0.1:${port}${path}`, {
            method,
            client,
            signal: stop,
          });
          await response.body?.cancel();
          if (response.status === 200 && path.startsWith("/quit")) {
            throw new Error("the flood's quit request was accepted");
          }
          answered++;
        } catch (error) {
          if (!stop.aborted) throw error;
        }
      }
      return answered;
    }),
  );
}

/**
 * Measures forwarding quiet and flooded in one guillotine run.
 *
 * @param rounds Quiet phases and flooded phases, each this many.
 */
export async function benchFlood(
  work: Workspace,
  rounds: number,
): Promise<FloodFigure> {
  const port = freePort();
  const ns = spawn(
    [
      ...guillotine(`${work.quietDir}/done`, ["--listen", String(port)]),
      work.kid,
      "echo",
    ],
    { what: "guillotine under a flood of its endpoint" },
  );
  const quiet: number[] = [];
  const flooded: number[] = [];
  let requests = 0;
  let floodMs = 0;
  try {
    await ns.lines.expectLine("ready", TIMEOUT_MS);
    await ns.waitForStderr(/quit endpoint listening/, TIMEOUT_MS);
    const pid1 = await ns.pid();
    // Past start-up, as a sidecar that has been running a while.
    await sleep(500);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < PER_PHASE; i++) {
        quiet.push(await forwardOnce(pid1, ns));
        await sleep(GAP_MS);
      }
      const stop = new AbortController();
      const started = performance.now();
      const clients = flood(port, stop.signal);
      await sleep(RAMP_MS);
      for (let i = 0; i < PER_PHASE; i++) {
        flooded.push(await forwardOnce(pid1, ns));
        await sleep(GAP_MS);
      }
      stop.abort();
      requests += (await clients).reduce((a, b) => a + b, 0);
      floodMs += performance.now() - started;
      await sleep(RAMP_MS);
    }
    stampAndKill(pid1, SIGTERM);
    const status = await ns.finish(TIMEOUT_MS);
    if (status?.code !== 0) throw new Error(`exit ${status?.code}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${ns.stderr}`);
  } finally {
    await ns.finish(TIMEOUT_MS);
  }
  const quietMs = summarize(quiet)!.median;
  const underFloodMs = summarize(flooded)!.median;
  return {
    quietMs,
    floodMs: underFloodMs,
    ratio: underFloodMs / quietMs,
    requestsPerSecond: requests / (floodMs / 1000),
    signals: quiet.length,
  };
}

/** The figure as one line. */
export function describeFlood(figure: FloodFigure): string {
  return `signal forwarding to the child, median of ${figure.signals}: ` +
    `quiet ${figure.quietMs.toFixed(2)} ms, with ${CLIENTS} clients flooding ` +
    `the quit endpoint (${Math.round(figure.requestsPerSecond)} requests/s) ${
      figure.floodMs.toFixed(2)
    } ms: ratio ${figure.ratio.toFixed(2)}x (target <= 2x)`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { rounds: { type: "string", default: "5" } },
  });
  const dir = Deno.makeTempDirSync({ prefix: "guillotine-flood-" });
  try {
    const work: Workspace = {
      dir,
      kid: await buildKid(dir),
      quietDir: `${dir}/quiet`,
    };
    Deno.mkdirSync(work.quietDir);
    const figure = await benchFlood(work, Number(values.rounds));
    console.log(describeFlood(figure));
  } finally {
    await closeAll();
    Deno.removeSync(dir, { recursive: true });
  }
}
