/**
 * The machine and the versions a benchmark ran with, for the report.
 *
 * @module
 */

import { exec, ROOT } from "../tests/harness/mod.ts";
import { guillotineRun } from "./wrappers.ts";

/** What the report states about where it ran. */
export interface Machine {
  cpu: string;
  cores: number;
  kernel: string;
  memoryGiB: number;
  loadBefore: string;
  deno: string;
  tini: string;
  dumbInit: string;
  guillotine: string;
  commit: string;
  date: string;
}

async function firstLine([command, ...args]: string[]): Promise<string> {
  try {
    const out = await exec(command, args);
    return (out.stdout || out.stderr).split("\n")[0].trim() || "unknown";
  } catch {
    return "not installed";
  }
}

function cpuModel(): string {
  const text = Deno.readTextFileSync("/proc/cpuinfo");
  return text.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
}

/**
 * The commit measured: `git rev-parse --short HEAD`, and "+ uncommitted
 * changes" when the working tree differs from it.
 */
async function measuredCommit(): Promise<string> {
  const head = await firstLine([
    "git",
    "-C",
    ROOT,
    "rev-parse",
    "--short",
    "HEAD",
  ]);
  const status = await exec("git", ["-C", ROOT, "status", "--porcelain"])
    .catch(() => null);
  if (status === null || status.code !== 0) return head;
  return status.stdout.trim() ? `${head} + uncommitted changes` : head;
}

/** The load average now: 1, 5 and 15 minutes. */
export function loadAverage(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(
    " ",
  );
}

/** Describes this machine and the versions of everything measured. */
export async function describeMachine(): Promise<Machine> {
  const meminfo = Deno.readTextFileSync("/proc/meminfo");
  const memKiB = Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const commit = await measuredCommit();
  return {
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    memoryGiB: Math.round(memKiB / 1024 / 1024),
    loadBefore: loadAverage(),
    deno: Deno.version.deno,
    tini: (await firstLine(["tini", "--version"]))
      .replace(/^tini version /, "").replace(/ - git.*$/, ""),
    dumbInit: (await firstLine(["dumb-init", "--version"]))
      .replace(/^dumb-init v/, ""),
    guillotine: (await firstLine(guillotineRun(["--version"])))
      .replace(/^guillotine /, ""),
    commit,
    date: new Date().toISOString().slice(0, 10),
  };
}
