/**
 * Where a process's resident memory is, from /proc/PID/smaps: anonymous
 * against file-backed pages, private against shared (smaps_rollup), and by
 * mapping (the deno binary, the shared
 * libraries, the C heap, the rest of the anonymous memory: V8's heap, thread
 * stacks, malloc's arenas).
 *
 * @module
 */

/** Resident memory of one process by kind, KiB. */
export interface MemoryBreakdown {
  rss: number;
  anonymous: number;
  fileBacked: number;
  /** The deno executable's own mapped pages. */
  binary: number;
  /** Shared libraries (`.so`). */
  libraries: number;
  /** `[heap]`: the C heap (brk). */
  cHeap: number;
  /** Anonymous mappings without a name: V8's heap, stacks, arenas. */
  anonMappings: number;
  /** Everything else: stacks, vdso, other files. */
  other: number;
  /** From smaps_rollup: pages no other process maps (clean + dirty). */
  private: number;
  /** From smaps_rollup: each page divided by the processes that map it. */
  pss: number;
  /** Threads of the process. */
  threads: number;
  /** Deno.memoryUsage() as the process printed it, when it did. */
  v8?: { rss: number; heapTotal: number; heapUsed: number; external: number };
}

/**
 * Reads the breakdown of `pid`.
 *
 * @returns null when the process is gone.
 */
export function readMemory(pid: number): MemoryBreakdown | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/smaps`);
  } catch {
    return null;
  }
  const m: MemoryBreakdown = {
    rss: 0,
    anonymous: 0,
    fileBacked: 0,
    binary: 0,
    libraries: 0,
    cHeap: 0,
    anonMappings: 0,
    other: 0,
    private: 0,
    pss: 0,
    threads: 0,
  };
  let name = "";
  for (const line of text.split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      name = header[1];
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const kib = Number(field[2]);
    if (field[1] === "Anonymous") {
      m.anonymous += kib;
      continue;
    }
    m.rss += kib;
    if (name === "") m.anonMappings += kib;
    else if (name === "[heap]") m.cHeap += kib;
    else if (/\/deno$/.test(name)) m.binary += kib;
    else if (/\.so(\.|$)/.test(name)) m.libraries += kib;
    else m.other += kib;
  }
  m.fileBacked = m.rss - m.anonymous;
  try {
    const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    const kib = (name: string) =>
      Number(
        new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? NaN,
      );
    m.private = kib("Private_Clean") + kib("Private_Dirty");
    m.pss = kib("Pss");
  } catch {
    m.private = m.pss = NaN;
  }
  try {
    m.threads = [...Deno.readDirSync(`/proc/${pid}/task`)].length;
  } catch {
    // Gone meanwhile.
  }
  return m;
}

/** The `memory {...}` line of a spawn_parts.ts fixture, if it printed one. */
export function v8UsageOf(stderr: string): MemoryBreakdown["v8"] {
  const lines = stderr.split("\n").filter((l) => l.startsWith("memory "));
  const last = lines.at(-1);
  return last ? JSON.parse(last.slice("memory ".length)) : undefined;
}
