/**
 * docs/benchmarks.svg, drawn by hand: one panel per metric, one bar per
 * wrapper to its median, a whisker from min to max, the median written out.
 *
 * @module
 */

import { type MetricId, METRICS, type Results } from "./results.ts";
import { summarize, type Summary } from "./stats.ts";
import { type ConfigId, LABELS, ORDER } from "./wrappers.ts";

interface Bar {
  label: string;
  color: string;
  summary: Summary;
}

interface Panel {
  title: string;
  unit: string;
  digits: number;
  bars: Bar[];
}

const COLORS: Record<ConfigId, string> = {
  none: "#9e9e9e",
  tini: "#1f77b4",
  "dumb-init": "#2ca02c",
  guillotine: "#e6550d",
  "guillotine-nopoll": "#fd8d3c",
  "guillotine-version": "#fdae6b",
  "deno-spawn": "#9e9ac8",
  "deno-spawn-ffi": "#807dba",
  "deno-forward": "#807dba",
  "deno-forward-cold": "#9e9ac8",
  "deno-tick": "#bcbddc",
  "deno-floor": "#756bb1",
  "parts-none": "#d9d9d9",
  "parts-modules": "#d9d9d9",
  "parts-libc": "#d9d9d9",
  "parts-listeners": "#d9d9d9",
  "parts-watch": "#d9d9d9",
  "parts-tick": "#d9d9d9",
  "parts-lease": "#d9d9d9",
  "parts-all": "#d9d9d9",
};

const WIDTH = 980;
const COLUMN = 480;
const LABEL_W = 180;
const BAR_W = 200;
const ROW_H = 20;
const HEAD_H = 30;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

function byConfig(results: Results, metric: MetricId, title: string): Panel {
  const bars: Bar[] = [];
  for (const id of ORDER) {
    const summary = summarize(results.values(metric, id));
    if (summary) bars.push({ label: LABELS[id], color: COLORS[id], summary });
  }
  const { unit, digits } = METRICS[metric];
  return { title, unit, digits, bars };
}

function trigger(results: Results): Panel {
  const interval = results.facts.pollInterval ?? "?";
  const rows: [MetricId, string][] = [
    ["trigger-events-signal", "events → child signalled"],
    ["trigger-events-exit", "events → guillotine exited"],
    ["trigger-poll-signal", `poll ${interval} → child signalled`],
    ["trigger-poll-exit", `poll ${interval} → guillotine exited`],
  ];
  const bars: Bar[] = [];
  for (const [metric, label] of rows) {
    const summary = summarize(results.values(metric, "guillotine"));
    if (summary) bars.push({ label, color: COLORS.guillotine, summary });
  }
  return {
    title: "Trigger: file created → … (guillotine)",
    unit: "ms",
    digits: 1,
    bars,
  };
}

function panelHeight(panel: Panel): number {
  return HEAD_H + panel.bars.length * ROW_H + 10;
}

function drawPanel(panel: Panel, x: number, y: number): string {
  const top = Math.max(...panel.bars.map((b) => b.summary.max), 1e-9) * 1.05;
  const scale = (v: number) => (Math.max(0, v) / top) * BAR_W;
  const parts = [
    `<text x="${x}" y="${y + 16}" class="title">${escape(panel.title)} (${
      escape(panel.unit)
    })</text>`,
  ];
  const x0 = x + LABEL_W;
  panel.bars.forEach((bar, i) => {
    const cy = y + HEAD_H + i * ROW_H;
    const { median, min, max } = bar.summary;
    parts.push(
      `<text x="${x0 - 6}" y="${cy + 12}" class="label">${
        escape(bar.label)
      }</text>`,
      `<rect x="${x0}" y="${cy + 2}" width="${
        scale(median).toFixed(1)
      }" height="${ROW_H - 6}" fill="${bar.color}"/>`,
      `<line x1="${(x0 + scale(min)).toFixed(1)}" x2="${
        (x0 + scale(max)).toFixed(1)
      }" y1="${cy + 9}" y2="${cy + 9}" class="whisker"/>`,
      `<line x1="${(x0 + scale(min)).toFixed(1)}" x2="${
        (x0 + scale(min)).toFixed(1)
      }" y1="${cy + 5}" y2="${cy + 13}" class="whisker"/>`,
      `<line x1="${(x0 + scale(max)).toFixed(1)}" x2="${
        (x0 + scale(max)).toFixed(1)
      }" y1="${cy + 5}" y2="${cy + 13}" class="whisker"/>`,
      `<text x="${x0 + BAR_W + 8}" y="${cy + 12}" class="value">${
        median.toFixed(panel.digits)
      } ${escape(panel.unit)}</text>`,
    );
  });
  parts.push(
    `<line x1="${x0}" x2="${x0}" y1="${y + HEAD_H}" y2="${
      y + HEAD_H + panel.bars.length * ROW_H
    }" class="axis"/>`,
  );
  return parts.join("\n");
}

/** The chart of a run's results, as an SVG document. */
export function renderChart(results: Results): string {
  const panels = [
    byConfig(results, "startup", "Start-up: exec of wrapper → exec of child"),
    byConfig(
      results,
      "signal-50ms",
      "Signal 50 ms after ready: SIGTERM → child's handler",
    ),
    byConfig(
      results,
      "signal-settled",
      "Signal once settled: SIGTERM → child's handler",
    ),
    byConfig(results, "reap-1000", "Reaping 1,000 zombies"),
    byConfig(results, "reap-10000", "Reaping 10,000 zombies"),
    byConfig(
      results,
      "reap-first-10000",
      "10,000 zombies: first 1 % reaped",
    ),
    byConfig(results, "reap-cpu-10000", "10,000 zombies: CPU time of PID 1"),
    trigger(results),
    byConfig(results, "idle-rss", "Idle: resident memory, VmRSS"),
    byConfig(results, "idle-cpu", "Idle: CPU time of all threads"),
    byConfig(results, "idle-wakeups", "Idle: wake-ups"),
  ].filter((p) => p.bars.length > 0);
  const body: string[] = [];
  let y = 40;
  for (let i = 0; i < panels.length; i += 2) {
    const row = panels.slice(i, i + 2);
    row.forEach((panel, j) => body.push(drawPanel(panel, 10 + j * COLUMN, y)));
    y += Math.max(...row.map(panelHeight)) + 10;
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">
<style>
.title { font-size: 13px; font-weight: bold; fill: #222; }
.label { font-size: 11px; fill: #333; text-anchor: end; }
.value { font-size: 11px; fill: #333; }
.whisker { stroke: #222; stroke-width: 1; }
.axis { stroke: #888; stroke-width: 1; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="title" style="font-size: 15px">guillotine vs tini vs dumb-init: medians, whiskers from min to max</text>
${body.join("\n")}
</svg>
`;
}
