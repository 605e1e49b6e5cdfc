/**
 * The benchmark's report: the results table (printed and written), and
 * docs/benchmarks.md around it, with each target's verdict and, where one is
 * missed, the floor under it in measured figures.
 *
 * @module
 */

import type { Machine } from "./machine.ts";
import {
  type MetricId,
  METRICS,
  type Results,
  type ThreadWakeups,
} from "./results.ts";
import { ratio, summarize, type Summary } from "./stats.ts";
import { ms, show, stat, times, type Verdict, verdicts } from "./verdicts.ts";
import { DENO_RUN, LABELS, ORDER } from "./wrappers.ts";
import {
  issue19Notes,
  issue19Table,
  memoryAttribution,
  memoryTable,
} from "./targets.ts";

/**
 * The results as one markdown table: per metric and config, median, min,
 * max, the ratio of medians to tini's, and the number of runs.
 */
export function renderTable(results: Results): string {
  const rows = [
    "| Metric | Who | Median | Min | Max | × tini | Runs |",
    "| --- | --- | --: | --: | --: | --: | --: |",
  ];
  for (const metric of Object.keys(METRICS) as MetricId[]) {
    const tini = stat(results, metric, "tini");
    for (const id of ORDER) {
      const s = stat(results, metric, id);
      const note = results.notes.get(metric)?.get(id);
      if (!s && !note) continue;
      const title = METRICS[metric].title;
      if (!s) {
        rows.push(`| ${title} | ${LABELS[id]} | ${note} | | | | |`);
        continue;
      }
      const r = tini ? ratio(s.median, tini.median) : null;
      rows.push(
        `| ${title} | ${LABELS[id]} | ${show(metric, s.median)} | ${
          show(metric, s.min)
        } | ${show(metric, s.max)} | ${times(r)} | ${s.n} |`,
      );
    }
  }
  return rows.join("\n");
}

function verdictWord(holds: boolean | null): string {
  return holds === null ? "not measured" : holds ? "**holds**" : "**missed**";
}

function threadTable(results: Results): string {
  const rows = [
    "| Who | Thread | Threads | Wake-ups | CPU |",
    "| --- | --- | --: | --: | --: |",
  ];
  for (const id of ORDER) {
    const list: ThreadWakeups[] = results.threads.get(id) ?? [];
    for (const t of list) {
      rows.push(
        `| ${LABELS[id]} | \`${t.comm}\` | ${t.threads} | ${
          t.perSecond.toFixed(2)
        }/s | ${t.cpuPercent.toFixed(4)} % |`,
      );
    }
  }
  return rows.join("\n");
}

function ticksLine(results: Results): string {
  return ORDER.filter((id) => results.facts[`idleTicks:${id}`] !== undefined)
    .map((id) => `${LABELS[id]} ${results.facts[`idleTicks:${id}`]}`)
    .join("; ");
}

const COST_LABELS: Record<string, string> = {
  moduleGraph: "guillotine's modules, loaded by `deno run` (main.ts imported)",
  dlopenLibc: "Deno.dlopen of libc with guillotine's symbols (lib/sys/libc.ts)",
  readArgsEnv: "guillotine reads its arguments and environment from /proc/self",
  parseAndLog: "guillotine parses its options and logs them",
  spawnFfi: "guillotine spawns `true` (posix_spawn through FFI)",
  firstSignalListener: "First Deno.addSignalListener",
  nextSignalListeners: "19 more signal listeners",
  firstSignal: "First signal to itself: kill(2) → its listener runs",
  nextSignal: "Second signal to itself: kill(2) → its listener runs",
  fileWatch: "guillotine's inotify (libc) on one directory",
  firstTimer: "First setTimeout/setInterval (Deno loads its timers)",
  statMissing: "Deno.statSync of a missing file (throws)",
  statPresent: "Deno.statSync of an existing file",
  commandSpawn: "Deno.Command(...).spawn() of `true`",
  denoExit: "Deno.exit(0): the call → the process has exited",
};

/** A summary as "median (min–max)" with the metric's decimals and unit. */
function spreadOf(metric: MetricId, s: Summary | null): string {
  if (!s) return "—";
  const { digits } = METRICS[metric];
  return `${show(metric, s.median)} (${s.min.toFixed(digits)}–${
    show(metric, s.max)
  })`;
}

/**
 * The headline: the three figures of the targets of issue #11, each with
 * median, min and max, beside tini's, the target and whether it is met.
 */
function headlineTable(results: Results, list: Verdict[]): string {
  const rows = [
    "| Figure | guillotine | tini | guillotine ÷ tini | Target | Met |",
    "| --- | --: | --: | --: | --- | --- |",
  ];
  const peer = stat(results, "startup", "deno-spawn-ffi");
  const g = stat(results, "startup", "guillotine");
  const overPeer = g && peer ? ratio(g.median, peer.median) : null;
  const figures: [MetricId, string, string, Verdict][] = [
    [
      "signal-50ms",
      "Signal forwarding, 50 ms after the child is ready",
      "≤ 2× tini",
      list[0],
    ],
    [
      "signal-settled",
      "Signal forwarding, once PID 1 has settled",
      "≤ 1.5× tini",
      list[1],
    ],
    [
      "startup",
      "Start-up: exec of guillotine → exec of the child",
      `≤ 1.15× the minimal Deno spawner, ${spreadOf("startup", peer)}: ${
        times(overPeer)
      }`,
      list[2],
    ],
  ];
  for (const [metric, title, target, verdict] of figures) {
    const g = stat(results, metric, "guillotine");
    const t = stat(results, metric, "tini");
    const r = g && t ? ratio(g.median, t.median) : null;
    rows.push(
      `| ${title} | ${spreadOf(metric, g)} | ${spreadOf(metric, t)} | ${
        times(r)
      } | ${target} | ${verdictWord(verdict.holds)} |`,
    );
  }
  return rows.join("\n");
}

function costTable(results: Results): string {
  const rows = [
    "| On first use | Median | Min | Max |",
    "| --- | --: | --: | --: |",
  ];
  for (const [name, label] of Object.entries(COST_LABELS)) {
    const s = summarize(results.costs[name] ?? []);
    if (!s) continue;
    const d = s.median < 1 ? 3 : 1;
    rows.push(
      `| ${label} | ${ms(s.median, d)} | ${ms(s.min, d)} | ${ms(s.max, d)} |`,
    );
  }
  return rows.join("\n");
}

/** docs/benchmarks.md. */
export function renderReport(results: Results, machine: Machine): string {
  const list = verdicts(results);
  const f = results.facts;
  return `# Benchmarks

guillotine against [tini](https://github.com/krallin/tini),
[dumb-init](https://github.com/Yelp/dumb-init) and no wrapper at all, each run
as PID 1 of its own PID namespace, in one run of \`deno task bench\`
(\`bench/main.ts\`), round-robin per repetition so that the machine's drift hits
all alike. This page is written by that run: to update it, run the benchmark
again (as root; \`--quick\` for a short look). Each figure is the median of the
runs, with their min and max, and the ratio of medians to tini's.

Measured at commit \`${machine.commit}\`, ${machine.date}, in ${f.mode} mode.

## Against the Deno floors (issue #19)

guillotine runs on Deno, so its floors are Deno programs that do one thing
each, run with the same flags in the same run: a script that spawns the child
with \`Deno.Command\` and waits (\`bench/fixtures/spawn.ts\`), and one that
forwards signals with one listener (\`bench/fixtures/forward.ts\`). Ratios are
of medians; "per run" gives the smallest and largest ratio of run k of one to
run k of the other (the runs are interleaved). A missed target is reported
here, never a failed benchmark.

${issue19Table(results)}

${issue19Notes(results)}

## Against tini (issue #11)

${headlineTable(results, list)}

## Machine

| | |
| --- | --- |
| CPU | ${machine.cpu} |
| Cores | ${machine.cores} |
| Memory | ${machine.memoryGiB} GiB |
| Kernel | Linux ${machine.kernel} |
| Deno | ${machine.deno} |
| tini | ${machine.tini} |
| dumb-init | ${machine.dumbInit} |
| guillotine | ${machine.guillotine} (\`${machine.commit}\`) |
| Date | ${machine.date} |
| Run | ${f.mode} mode, ${f.totalSeconds} s |
| Load average (1, 5, 15 min) | ${machine.loadBefore} before, ${f.loadAfter} after |

The machine is a 2-core VM shared with other work: expect noise, which is why
the runs are interleaved and min and max are shown. (The reaping runs raise the
load average themselves: thousands of exiting processes are runnable at once.)

## Targets

| Target | Measured | Verdict |
| --- | --- | --- |
${
    list.map((v) => `| ${v.target} | ${v.measured} | ${verdictWord(v.holds)} |`)
      .join("\n")
  }

${
    list.map((v) =>
      `**${v.target}** (${verdictWord(v.holds)}).\n${v.explanation}`
    ).join("\n\n")
  }

## Results

![Medians with min–max whiskers](benchmarks.svg)

${renderTable(results)}

Rows without a child are timed differently: in the start-up rows, "Deno floor:
bare script" is \`deno run\` of an empty script and "guillotine --version" is
guillotine printing its version, each from spawn to exit; in the idle rows,
"Deno floor: bare script" is a script kept alive by one far timer.

## The Deno floor

What the Deno runtime's primitives, and guillotine's own start-up steps, cost
on first use on this machine, timed inside \`bench/fixtures/costs.ts\`
(Deno.exit from outside, through a pidfd), run with the same flags as
guillotine. guillotine needs each of them once, at start.

${costTable(results)}

## Resident memory, by mapping and by cause

Read from \`/proc/PID/smaps\` at the end of the idle measurement (MiB):
anonymous against file-backed pages, and by mapping; "Private" (pages no other
process maps) and "PSS" (each page divided by the processes that map it) from
\`/proc/PID/smaps_rollup\`, while every row of the idle measurement runs. The "Deno.Command spawner
+" rows are the minimal spawner with one part of guillotine added at a time
(\`bench/fixtures/spawn_parts.ts\`), or an empty 250 ms interval timer for
comparison, each printing \`Deno.memoryUsage()\` from
inside when sent SIGUSR2 (the listener for it is their common base).

${memoryTable(results)}

What guillotine holds above the minimal spawner, by cause (differences of the
rows above; the parts each against their common base):

${memoryAttribution(results)}

## Idle wake-ups by thread

Over the whole idle measurement, summed over the threads of each name.

${threadTable(results)}

Cross-check from \`/proc/PID/stat\`, utime+stime over the whole ${
    f.idleSeconds ?? "?"
  } s, in clock ticks of 10 ms: ${ticksLine(results)}.

## How each figure is measured

The children are \`bench/kid.c\`, compiled at the start of the run: a shell's
fork costs milliseconds here, and its start-up and trap handling would add
jitter. Every time is CLOCK_MONOTONIC, read by \`kid\` or by the harness through
libc, so times from both sides subtract exactly. Each namespace is made by
\`unshare --pid --fork --mount-proc --kill-child\` under
\`setpriv --pdeathsig KILL\`, so that nothing outlives the benchmark.

- **Start-up**: PID 1 starts as \`kid exec-stamp\`, which prints the time and
  execs the wrapper (the same pid); the child \`kid stamp\` prints the time as
  its \`main\` begins. The difference is exec of the wrapper → exec of the
  child, in one run, on one clock, with no harness latency in it. "No wrapper"
  execs the child directly: the child's own exec, part of every row. The empty
  script is timed by \`kid run-timed\` from its spawn to its exit. One untimed
  run of each comes first, so Deno's module cache (the transpiled TypeScript)
  is warm, as in a deployed image. The fair peer of guillotine is "Deno floor:
  minimal spawner, posix_spawn" (\`bench/fixtures/spawn_ffi.ts\`): one module,
  the same Deno, the same flags, and the same route to exec (libc's
  posix_spawn through FFI); Deno.Command costs more on first use.
- **Signal forwarding**: the child \`kid trap\` prints the time in its SIGTERM
  handler; the harness reads the time and sends SIGTERM to PID 1 from outside
  the namespace, as a container runtime does: as soon as the child printed
  "ready", 50 ms after it (while a wrapper may still finish its own start-up),
  or once PID 1 has settled (none of its threads has run for 20 ms), as in a
  sidecar that has run a while. Every run is a new PID 1, so every figure is a
  first signal. The Deno floor \`bench/fixtures/forward.ts\` forwards with one
  listener and kill(2) through FFI and nothing else, and prints when its
  listener began, which splits Deno's delivery from the rest; it sends itself
  one signal first, as guillotine does (lib/pid1/forwarder.ts), except in the "not
  warmed" rows.
- **Reaping**: the child \`kid orphans N\` makes N processes (clone with
  CLONE_VM, no page tables copied) in a process group of their own and lets
  their parent exit: N sleeping orphans of PID 1. The harness stops PID 1
  (SIGSTOP), SIGKILLs the group and waits until all N are zombies, then reads
  the time and resumes PID 1 (SIGCONT). Every millisecond it asks whether
  anyone is left in the group (kill with signal 0 finds a zombie until it is
  reaped) and reads the kernel's task count (\`/proc/loadavg\`), whose first
  drop by 1 % of N marks the reaper's wake-up. Why stopped: a reaper that races
  10,000 exits on 2 cores walks, in each waitpid(-1), past the children still
  alive, and the figure then swings tenfold from run to run with the
  scheduler's order, for tini as for the others; reading PID 1's list of
  children instead of the group also slowed the exits it measured.
- **Trigger** (guillotine only): the harness reads the time and creates the
  watched file, a random 0–100 ms after guillotine has settled (so runs sample
  the poll's whole cycle); \`kid trap\` prints when the signal arrives, and
  \`kid exitwatch\` (a pidfd on PID 1) when guillotine has exited. With file
  events (and the default 1 s safety poll), and with
  \`--watch-method poll --poll-interval ${f.pollInterval ?? "?"}\`.
- **Lost main**: a main side \`guillotine --notify DIR/done -- kid pause\`
  holds its lease, and a sidecar \`guillotine --watch DIR/done --poll-interval 0
  --lost-main-grace ${
    f.lostMainGraceMs ?? "?"
  }ms -- kid trap\` watches it, each PID 1 of its own namespace. Once the
  sidecar has settled, and a random 0–250 ms later, the harness reads the time
  and SIGKILLs the main's PID 1; \`kid trap\` prints when its SIGTERM comes.
  The figure is that time minus the grace.
- **Idle**: every wrapper at once, each with a sleeping child, beside three
  Deno floors (a script kept alive by one far timer, one with an empty 1 s
  interval timer, and a minimal Deno.Command wrapper). After a settling time,
  ${f.idleSeconds ?? "?"} s in ${
    f.idleWindows ?? "?"
  } windows: CPU time from \`/proc/PID/task/*/schedstat\`
  (nanoseconds; utime+stime in clock ticks is too coarse for this), wake-ups as
  voluntary plus involuntary context switches from
  \`/proc/PID/task/*/status\`, both summed over threads, and VmRSS. A main side
  (\`guillotine --notify\` on the record the guillotine rows watch) holds its
  lease meanwhile, so their lease watch is on and sees it held.

guillotine runs as \`deno ${
    DENO_RUN.slice(1).join(" ")
  } main.ts --watch DIR/done -- CHILD\` (a file that never appears, so its watch
and poll are armed as in a sidecar): the flags of its compiled binary, which
every Deno row of this page gets too. tini runs as \`tini -- CHILD\`;
dumb-init as \`dumb-init -- CHILD\`.
`;
}
