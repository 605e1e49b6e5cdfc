/**
 * The benchmark's measurements, keyed by metric and by who was measured, and
 * what each metric means.
 *
 * @module
 */

import type { ConfigId } from "./wrappers.ts";
import type { MemoryBreakdown } from "./memory.ts";

/** What is measured. */
export type MetricId =
  | "startup"
  | "signal-0ms"
  | "signal-50ms"
  | "signal-settled"
  | "signal-js-0ms"
  | "signal-js-50ms"
  | "signal-js-settled"
  | "reap-1000"
  | "reap-10000"
  | "reap-first-10000"
  | "reap-cpu-10000"
  | "trigger-events-signal"
  | "trigger-events-exit"
  | "trigger-poll-signal"
  | "trigger-poll-exit"
  | "lost-main-notice"
  | "idle-rss"
  | "idle-cpu"
  | "idle-wakeups";

/** How a metric is shown. */
export interface Metric {
  title: string;
  unit: string;
  /** Decimals shown. */
  digits: number;
}

/** The metrics in report order. */
export const METRICS: Record<MetricId, Metric> = {
  startup: {
    title: "Start-up: exec of the wrapper → exec of the child",
    unit: "ms",
    digits: 2,
  },
  "signal-0ms": {
    title:
      "Signal forwarding, as soon as the child is ready: SIGTERM to PID 1 → child's handler runs",
    unit: "ms",
    digits: 3,
  },
  "signal-50ms": {
    title:
      "Signal forwarding, 50 ms after the child is ready: SIGTERM to PID 1 → child's handler runs",
    unit: "ms",
    digits: 3,
  },
  "signal-settled": {
    title:
      "Signal forwarding, once PID 1 has settled: SIGTERM to PID 1 → child's handler runs",
    unit: "ms",
    digits: 3,
  },
  "signal-js-0ms": {
    title:
      "Deno's signal delivery, as soon as the child is ready: SIGTERM to PID 1 → its listener runs",
    unit: "ms",
    digits: 3,
  },
  "signal-js-50ms": {
    title:
      "Deno's signal delivery, 50 ms after the child is ready: SIGTERM to PID 1 → its listener runs",
    unit: "ms",
    digits: 3,
  },
  "signal-js-settled": {
    title:
      "Deno's signal delivery, once PID 1 has settled: SIGTERM to PID 1 → its listener runs",
    unit: "ms",
    digits: 3,
  },
  "reap-1000": {
    title: "Reaping 1,000 zombies: PID 1 resumed → last one reaped",
    unit: "ms",
    digits: 1,
  },
  "reap-10000": {
    title: "Reaping 10,000 zombies: PID 1 resumed → last one reaped",
    unit: "ms",
    digits: 1,
  },
  "reap-first-10000": {
    title: "Reaping 10,000 zombies: PID 1 resumed → first 1 % reaped",
    unit: "ms",
    digits: 1,
  },
  "reap-cpu-10000": {
    title: "Reaping 10,000 zombies: CPU time of PID 1",
    unit: "ms",
    digits: 1,
  },
  "trigger-events-signal": {
    title: "Trigger, file events: file created → child signalled",
    unit: "ms",
    digits: 2,
  },
  "trigger-events-exit": {
    title: "Trigger, file events: file created → guillotine exited",
    unit: "ms",
    digits: 2,
  },
  "trigger-poll-signal": {
    title: "Trigger, poll alone: file created → child signalled",
    unit: "ms",
    digits: 1,
  },
  "trigger-poll-exit": {
    title: "Trigger, poll alone: file created → guillotine exited",
    unit: "ms",
    digits: 1,
  },
  "lost-main-notice": {
    title:
      "Lost main: main's PID 1 killed → sidecar's child signalled, minus --lost-main-grace",
    unit: "ms",
    digits: 1,
  },
  "idle-rss": {
    title: "Idle: resident memory (VmRSS)",
    unit: "MiB",
    digits: 1,
  },
  "idle-cpu": {
    title: "Idle: CPU time, all threads (% of one core)",
    unit: "%",
    digits: 4,
  },
  "idle-wakeups": {
    title: "Idle: wake-ups (context switches, all threads)",
    unit: "/s",
    digits: 2,
  },
};

/** One thread of an idle process: its name and how often it woke. */
export interface ThreadWakeups {
  comm: string;
  threads: number;
  perSecond: number;
  cpuPercent: number;
}

/** Everything one benchmark run measured. */
export class Results {
  readonly series = new Map<MetricId, Map<ConfigId, number[]>>();
  readonly notes = new Map<MetricId, Map<ConfigId, string>>();
  /** Idle wake-ups per thread name, by config. */
  readonly threads = new Map<ConfigId, ThreadWakeups[]>();
  /** ru_maxrss of `deno run empty.ts`, KiB, one per run. */
  readonly emptyScriptMaxRssKiB: number[] = [];
  /** Costs of Deno's primitives (bench/fixtures/costs.ts), ms, per run. */
  readonly costs: Record<string, number[]> = {};
  /** Where each idle process's resident memory is, at the end of idle. */
  readonly memory = new Map<ConfigId, MemoryBreakdown>();
  /** Free-form facts for the report (intervals, durations, failures). */
  readonly facts: Record<string, string | number> = {};

  /** Records one run's value. */
  add(metric: MetricId, config: ConfigId, value: number): void {
    let byConfig = this.series.get(metric);
    if (!byConfig) this.series.set(metric, byConfig = new Map());
    let values = byConfig.get(config);
    if (!values) byConfig.set(config, values = []);
    values.push(value);
  }

  /** Records a remark shown instead of, or beside, the figures. */
  note(metric: MetricId, config: ConfigId, text: string): void {
    let byConfig = this.notes.get(metric);
    if (!byConfig) this.notes.set(metric, byConfig = new Map());
    byConfig.set(config, text);
  }

  /** The values of one metric for one config. */
  values(metric: MetricId, config: ConfigId): number[] {
    return this.series.get(metric)?.get(config) ?? [];
  }
}

/** A run's results and machine as JSON (`--json`), for `--render` later. */
export interface RawRun<M> {
  machine: M;
  facts: Results["facts"];
  series: Record<string, Record<string, number[]>>;
  notes: Record<string, Record<string, string>>;
  threads: Record<string, ThreadWakeups[]>;
  emptyScriptMaxRssKiB: number[];
  costs: Record<string, number[]>;
  memory?: Record<string, MemoryBreakdown>;
}

function nested<V>(
  map: Map<string, Map<string, V>>,
): Record<string, Record<string, V>> {
  return Object.fromEntries(
    [...map].map(([key, inner]) => [key, Object.fromEntries(inner)]),
  );
}

/** The run as plain data. */
export function toRaw<M>(results: Results, machine: M): RawRun<M> {
  return {
    machine,
    facts: results.facts,
    series: nested(results.series),
    notes: nested(results.notes),
    threads: Object.fromEntries(results.threads),
    emptyScriptMaxRssKiB: results.emptyScriptMaxRssKiB,
    costs: results.costs,
    memory: Object.fromEntries(results.memory),
  };
}

/** The run back from plain data. */
export function fromRaw<M>(raw: RawRun<M>): { results: Results; machine: M } {
  const results = new Results();
  for (const [metric, byConfig] of Object.entries(raw.series)) {
    for (const [config, values] of Object.entries(byConfig)) {
      for (const value of values) {
        results.add(metric as MetricId, config as ConfigId, value);
      }
    }
  }
  for (const [metric, byConfig] of Object.entries(raw.notes ?? {})) {
    for (const [config, text] of Object.entries(byConfig)) {
      results.note(metric as MetricId, config as ConfigId, text);
    }
  }
  for (const [config, list] of Object.entries(raw.threads)) {
    results.threads.set(config as ConfigId, list);
  }
  results.emptyScriptMaxRssKiB.push(...raw.emptyScriptMaxRssKiB);
  Object.assign(results.costs, raw.costs);
  for (const [config, m] of Object.entries(raw.memory ?? {})) {
    results.memory.set(config as ConfigId, m);
  }
  Object.assign(results.facts, raw.facts);
  return { results, machine: raw.machine };
}
