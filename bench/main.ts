/**
 * `deno task bench`: guillotine against tini, dumb-init and no wrapper at all,
 * each as PID 1 of its own PID namespace, in one run, round-robin per
 * repetition so that the machine's drift hits all alike. Prints a markdown
 * table and writes docs/benchmarks.md and docs/benchmarks.svg.
 *
 * Needs root (PID namespaces), unshare and setpriv (util-linux), tini,
 * dumb-init and a C compiler.
 *
 *   deno task bench [--quick] [--only LIST] [--no-write] [--json PATH]
 *                   [--render PATH] [--main PATH]
 *
 * @module
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderChart } from "./chart.ts";
import { benchFlood, describeFlood } from "./flood.ts";
import { benchIdle } from "./idle.ts";
import { benchLease } from "./lease.ts";
import { buildKid } from "./kid.ts";
import { describeMachine, loadAverage, type Machine } from "./machine.ts";
import { benchReaping } from "./reaping.ts";
import { renderReport, renderTable } from "./report.ts";
import { fromRaw, Results, toRaw } from "./results.ts";
import { benchRuntime } from "./runtime.ts";
import { benchSignal } from "./signal.ts";
import { benchStartup } from "./startup.ts";
import { benchTrigger } from "./trigger.ts";
import { useMain, type Workspace } from "./wrappers.ts";
import { closeAll, DENO, mustExec, ROOT, which } from "../tests/harness/mod.ts";

const SUITES = [
  "startup",
  "runtime",
  "signal",
  "trigger",
  "reaping",
  "lease",
  "idle",
  "flood",
] as const;
type Suite = typeof SUITES[number];

/** How many runs of each; `--quick` for a look in about a minute (CI runs it). */
const PLANS = {
  full: {
    startup: 25,
    runtime: 7,
    signal: 25,
    trigger: 20,
    lease: 10,
    reaping: [{ count: 1_000, reps: 9 }, { count: 10_000, reps: 7 }],
    idleSeconds: 60,
    settleSeconds: 3,
    floodRounds: 5,
  },
  quick: {
    startup: 5,
    runtime: 3,
    signal: 5,
    trigger: 5,
    lease: 3,
    reaping: [{ count: 1_000, reps: 3 }, { count: 10_000, reps: 1 }],
    idleSeconds: 12,
    settleSeconds: 2,
    floodRounds: 2,
  },
};

const USAGE = `Usage: deno task bench [OPTIONS]

Runs guillotine, tini, dumb-init and no wrapper, each as PID 1 of its own PID
namespace, prints a markdown table and writes docs/benchmarks.md and
docs/benchmarks.svg. Needs root.

  --quick        fewer runs and 12 s of idle instead of 60 s (about a minute)
  --only LIST    run only these suites: ${
  SUITES.join(", ")
} (docs/ is left alone)
  --no-write     print the table, leave docs/ alone
  --json PATH    also write every measured value to PATH
  --render PATH  measure nothing: write docs/ from a --json file
  --main PATH    benchmark the guillotine at PATH, such as another checkout's
                 main.ts (docs/ is left alone)`;

function progress(text: string): void {
  console.error(`bench: ${text}`);
}

function checkTools(): void {
  if (Deno.uid() !== 0) {
    throw new Error("The benchmark needs root: PID namespaces (unshare --pid)");
  }
  for (const tool of ["unshare", "setpriv", "tini", "dumb-init"]) {
    if (which(tool) === null) {
      throw new Error(
        `"${tool}" is not installed: apt-get install util-linux tini dumb-init`,
      );
    }
  }
}

/** Writes docs/benchmarks.md and docs/benchmarks.svg. */
async function writeDocs(results: Results, machine: Machine): Promise<void> {
  const docs = `${ROOT}docs`;
  Deno.mkdirSync(docs, { recursive: true });
  Deno.writeTextFileSync(`${docs}/benchmarks.svg`, renderChart(results));
  Deno.writeTextFileSync(
    `${docs}/benchmarks.md`,
    renderReport(results, machine),
  );
  // As `deno fmt --check` (in CI) wants them: it formats markdown and SVG.
  await mustExec(DENO, [
    "fmt",
    "--quiet",
    `${docs}/benchmarks.md`,
    `${docs}/benchmarks.svg`,
  ]);
  progress("wrote docs/benchmarks.md and docs/benchmarks.svg");
}

/** The run's scratch directory, removed on any way out. */
let scratch: string | null = null;

function removeScratch(): void {
  if (scratch) Deno.removeSync(scratch, { recursive: true });
  scratch = null;
}

async function measure(quick: boolean, only: Suite[]): Promise<Results> {
  checkTools();
  const plan = quick ? PLANS.quick : PLANS.full;
  const dir = scratch = Deno.makeTempDirSync({ prefix: "guillotine-bench-" });
  const began = performance.now();
  const results = new Results();
  try {
    const work: Workspace = {
      dir,
      kid: await buildKid(dir),
      quietDir: `${dir}/quiet`,
    };
    Deno.mkdirSync(work.quietDir);
    const suites: Record<Suite, () => Promise<void>> = {
      startup: () => benchStartup(work, results, plan.startup),
      runtime: () => benchRuntime(work, results, plan.runtime),
      signal: () => benchSignal(work, results, plan.signal),
      trigger: () => benchTrigger(work, results, plan.trigger),
      reaping: () => benchReaping(work, results, plan.reaping),
      lease: () => benchLease(work, results, plan.lease),
      idle: () =>
        benchIdle(work, results, plan.idleSeconds, plan.settleSeconds),
      flood: async () => {
        const figure = await benchFlood(work, plan.floodRounds);
        results.facts.floodRatio = Number(figure.ratio.toFixed(2));
        progress(describeFlood(figure));
      },
    };
    for (const suite of SUITES) {
      if (!only.includes(suite)) continue;
      const t = performance.now();
      progress(`${suite}...`);
      await suites[suite]();
      progress(
        `${suite} took ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await closeAll();
    removeScratch();
  }
  results.facts.totalSeconds = Math.round((performance.now() - began) / 1000);
  results.facts.loadAfter = loadAverage();
  results.facts.mode = quick ? "quick" : "full";
  return results;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "no-write": { type: "boolean", default: false },
      json: { type: "string" },
      render: { type: "string" },
      main: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.render) {
    const raw = JSON.parse(Deno.readTextFileSync(values.render));
    const { results, machine } = fromRaw<Machine>(raw);
    console.log(renderTable(results));
    await writeDocs(results, machine);
    return 0;
  }
  const only = (values.only?.split(",") ?? [...SUITES]) as Suite[];
  const unknown = only.filter((s) => !SUITES.includes(s));
  if (unknown.length) {
    console.error(`bench: unknown suite "${unknown[0]}"\n${USAGE}`);
    return 2;
  }
  if (values.main) useMain(resolve(values.main));
  const machine = await describeMachine();
  const results = await measure(values.quick, only);
  console.log(renderTable(results));
  if (values.json) {
    Deno.writeTextFileSync(
      values.json,
      JSON.stringify(toRaw(results, machine), null, 2) + "\n",
    );
  }
  const complete = only.length === SUITES.length;
  if (!values["no-write"] && !values.main && complete) {
    await writeDocs(results, machine);
  }
  return 0;
}

if (import.meta.main) {
  const stop = async () => {
    await closeAll();
    removeScratch();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    console.error(`bench: error: ${(error as Error).message}`);
    await closeAll();
    code = 1;
  }
  Deno.exit(code);
}
