/**
 * What /proc says about processes, seen from the host (host pids): one
 * process's fields, every process, a tree's descendants, a process's children
 * and threads, and the counters the benchmark samples.
 *
 * @module
 */

import { sleep } from "./poll.ts";

function read(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** One process as /proc/PID/stat shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D, Z (zombie), T (stopped)... */
  state: string;
  comm: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Reads /proc/PID/stat, or returns null when the process is gone. */
export function procInfo(pid: number): ProcInfo | null {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const close = text.lastIndexOf(")");
  // Fields from the third on; comm may hold spaces and parentheses.
  const rest = text.slice(close + 2).split(" ");
  return {
    pid,
    comm: text.slice(text.indexOf("(") + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

/** Every process in /proc. */
export function allProcesses(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const info = procInfo(Number(entry.name));
    if (info) list.push(info);
  }
  return list;
}

/** The descendants of `root` (not `root` itself), parents before children. */
export function descendants(root: number): ProcInfo[] {
  const all = allProcesses();
  const found: ProcInfo[] = [];
  const parents = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** Whether a process exists (a zombie counts). */
export function alive(pid: number): boolean {
  return procInfo(pid) !== null;
}

/** The thread ids of a process (empty when it is gone). */
export function threadsOf(pid: number): number[] {
  try {
    return [...Deno.readDirSync(`/proc/${pid}/task`)].map((e) =>
      Number(e.name)
    );
  } catch {
    return [];
  }
}

/**
 * The children of a process, zombies included: the kernel keeps a child on its
 * parent's list until it is reaped. Children hang on the thread that made
 * them (orphans on the main thread), so every listed thread is read. Much
 * cheaper than {@linkcode descendants}, which reads every process.
 */
export function childrenOf(pid: number, threads = threadsOf(pid)): number[] {
  const found: number[] = [];
  for (const tid of threads) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (const word of text.split(" ")) if (word) found.push(Number(word));
  }
  return found;
}

/** One thread's counters. */
export interface ThreadSample {
  tid: number;
  comm: string;
  /** Time on a CPU, nanoseconds (schedstat). */
  cpuNs: number;
  /** Voluntary plus involuntary context switches: its wake-ups. */
  switches: number;
}

/** One process's counters at one moment. */
export interface ProcessSample {
  /** VmRSS, KiB. */
  rssKiB: number;
  /** utime + stime of the whole process, dead threads included, ticks. */
  cpuTicks: number;
  threads: ThreadSample[];
}

function statusField(text: string, name: string): number {
  const match = text.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"));
  return match ? Number(match[1]) : 0;
}

/** Reads the counters of a process and of each of its threads. */
export function sampleProcess(pid: number): ProcessSample | null {
  const status = read(`/proc/${pid}/status`);
  const info = procInfo(pid);
  if (!status || !info) return null;
  const threads: ThreadSample[] = [];
  for (const tid of threadsOf(pid)) {
    const base = `/proc/${pid}/task/${tid}`;
    const taskStatus = read(`${base}/status`);
    const schedstat = read(`${base}/schedstat`);
    if (!taskStatus || !schedstat) continue;
    threads.push({
      tid,
      comm: (read(`${base}/comm`) ?? "?").trim(),
      cpuNs: Number(schedstat.split(" ")[0]),
      switches: statusField(taskStatus, "voluntary_ctxt_switches") +
        statusField(taskStatus, "nonvoluntary_ctxt_switches"),
    });
  }
  return {
    rssKiB: statusField(status, "VmRSS"),
    cpuTicks: info.cpuTicks,
    threads,
  };
}

/** Time on a CPU of a process's live threads, nanoseconds. */
export function cpuNsOf(pid: number): number {
  return sampleProcess(pid)?.threads.reduce((sum, t) => sum + t.cpuNs, 0) ??
    0;
}

/**
 * How many tasks (threads) the kernel holds, system-wide: the count drops as
 * soon as a zombie is reaped. One small read, unlike a list of children.
 */
export function taskCount(): number {
  const text = read("/proc/loadavg") ?? "";
  return Number(text.split(" ")[3]?.split("/")[1] ?? NaN);
}

/**
 * Resolves once no thread of `pid` has run for `quietMs` (its start-up work is
 * over), or after `timeoutMs` in any case.
 */
export async function untilIdle(
  pid: number,
  quietMs = 20,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = cpuNsOf(pid);
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = cpuNsOf(pid);
    if (now === last) return;
    last = now;
  }
}
