/**
 * What the benchmark reads about a process from /proc, seen from outside its
 * PID namespace (host pids).
 *
 * @module
 */

function read(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
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
 * them (orphans on the main thread), so every listed thread is read.
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

/** The fields of /proc/PID/stat that the benchmark uses. */
export interface Stat {
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/PID/stat, or returns null when the process is gone. */
export function statOf(pid: number): Stat | null {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const close = text.lastIndexOf(")");
  // Fields from the third on; comm may hold spaces and parentheses.
  const rest = text.slice(close + 2).split(" ");
  return {
    comm: text.slice(text.indexOf("(") + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
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
  const stat = statOf(pid);
  if (!status || !stat) return null;
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
    cpuTicks: stat.cpuTicks,
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
export async function settled(
  pid: number,
  quietMs = 20,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = cpuNsOf(pid);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = cpuNsOf(pid);
    if (now === last) return;
    last = now;
  }
}
