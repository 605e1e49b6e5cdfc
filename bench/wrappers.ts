/**
 * What the benchmark compares: the wrappers (and no wrapper), the Deno floors,
 * and how each one's command line is put together.
 *
 * @module
 */

import {
  DENO,
  MAIN as THIS_MAIN,
  PERMISSIONS,
  ROOT,
} from "../tests/harness/mod.ts";

/** guillotine's entry point: this checkout's, unless `--main` names another. */
export let MAIN = THIS_MAIN;

/** Benchmarks the guillotine at `path` (another checkout's main.ts). */
export function useMain(path: string): void {
  MAIN = path;
}
const FIXTURES = `${ROOT}bench/fixtures/`;

/**
 * How every Deno program of the benchmark runs, guillotine and the Deno
 * floors alike: `deno run` with guillotine's permissions and
 * `--no-code-cache`, the flags its compiled binary gets (deno.json), so that
 * no row gets a V8 code cache that the others or a deployed guillotine lack.
 */
export const DENO_RUN: readonly string[] = [
  DENO,
  "run",
  "--no-code-cache",
  ...PERMISSIONS,
];

/** Who is measured. */
export type ConfigId =
  | "none"
  | "tini"
  | "dumb-init"
  | "guillotine"
  | "guillotine-nopoll"
  | "guillotine-version"
  | "deno-spawn"
  | "deno-spawn-ffi"
  | "deno-forward"
  | "deno-forward-cold"
  | "deno-tick"
  | "deno-floor"
  | PartsId;

/** The minimal spawner with parts of guillotine added (memory, idle). */
export type PartsId =
  | "parts-none"
  | "parts-modules"
  | "parts-libc"
  | "parts-listeners"
  | "parts-watch"
  | "parts-tick"
  | "parts-lease"
  | "parts-all";

/** The parts each `parts-*` config adds (bench/fixtures/spawn_parts.ts). */
export const PARTS: Record<PartsId, string[]> = {
  "parts-none": [],
  "parts-modules": ["modules"],
  "parts-libc": ["libc"],
  "parts-listeners": ["listeners"],
  "parts-watch": ["watch"],
  "parts-tick": ["tick"],
  "parts-lease": ["lease"],
  "parts-all": ["modules", "libc", "listeners", "watch"],
};

/** Names as the report shows them. */
export const LABELS: Record<ConfigId, string> = {
  none: "no wrapper",
  tini: "tini",
  "dumb-init": "dumb-init",
  guillotine: "guillotine",
  "guillotine-nopoll": "guillotine, poll off",
  "guillotine-version": "guillotine --version",
  "deno-spawn": "Deno floor: minimal spawner, Deno.Command",
  "deno-spawn-ffi": "Deno floor: minimal spawner, posix_spawn",
  "deno-forward": "Deno floor: minimal forwarder",
  "deno-forward-cold": "Deno floor: minimal forwarder, not warmed",
  "deno-tick": "Deno floor: 1 s interval timer",
  "deno-floor": "Deno floor: bare script",
  "parts-none": "Deno.Command spawner + a SIGUSR2 listener",
  "parts-modules": "the same + guillotine's modules loaded",
  "parts-libc": "the same + libc bound through FFI",
  "parts-listeners": "the same + guillotine's signal listeners",
  "parts-watch": "the same + inotify, its read on a worker thread",
  "parts-tick": "the same + an empty 250 ms interval timer",
  "parts-lease":
    "the same + guillotine's lease watch, its main holding the lease",
  "parts-all": "the same + all four",
};

/** The order of the report's rows and the chart's bars. */
export const ORDER: ConfigId[] = [
  "none",
  "tini",
  "dumb-init",
  "guillotine",
  "guillotine-nopoll",
  "guillotine-version",
  "deno-spawn-ffi",
  "deno-spawn",
  "deno-forward",
  "deno-forward-cold",
  "deno-tick",
  "deno-floor",
  "parts-none",
  "parts-modules",
  "parts-libc",
  "parts-listeners",
  "parts-watch",
  "parts-tick",
  "parts-lease",
  "parts-all",
];

/** Where a run's files go: the watched directory, the compiled `kid`. */
export interface Workspace {
  dir: string;
  kid: string;
  /** A directory guillotine watches that nothing ever changes. */
  quietDir: string;
}

/** guillotine's command line with `args`, as the benchmark runs it. */
export function guillotineRun(args: string[]): string[] {
  return [...DENO_RUN, MAIN, ...args];
}

/** guillotine's command line up to (and with) `--`, before the child's. */
export function guillotine(watched: string, options: string[] = []): string[] {
  return guillotineRun(["--watch", watched, ...options, "--"]);
}

/**
 * The command line that puts `child` under the wrapper `id`. guillotine runs
 * as a sidecar would: watching a file (that never appears here), with the
 * default 1 s safety poll, or none for "guillotine-nopoll".
 */
export function wrap(
  id: ConfigId,
  child: string[],
  work: Workspace,
): string[] {
  const watched = `${work.quietDir}/done`;
  switch (id) {
    case "none":
      return child;
    case "tini":
      return ["tini", "--", ...child];
    case "dumb-init":
      return ["dumb-init", "--", ...child];
    case "guillotine":
      return [...guillotine(watched), ...child];
    case "guillotine-nopoll":
      return [...guillotine(watched, ["--poll-interval", "0"]), ...child];
    case "deno-spawn":
      return [...DENO_RUN, "--allow-run", `${FIXTURES}spawn.ts`, ...child];
    case "deno-spawn-ffi":
      return [...DENO_RUN, `${FIXTURES}spawn_ffi.ts`, ...child];
    case "deno-forward":
      return [...DENO_RUN, `${FIXTURES}forward.ts`, "--warm", ...child];
    case "deno-forward-cold":
      return [...DENO_RUN, `${FIXTURES}forward.ts`, ...child];
    case "guillotine-version":
      // No child: loading guillotine's code, printing a line, exiting.
      return guillotineRun(["--version"]);
    case "deno-floor":
      // No child: the floor is the runtime alone.
      return [...DENO_RUN, `${FIXTURES}idle.ts`];
    case "deno-tick":
      return [...DENO_RUN, `${FIXTURES}tick.ts`];
    default:
      return [
        ...DENO_RUN,
        "--allow-run",
        `${FIXTURES}spawn_parts.ts`,
        // The watch part watches the quiet directory, where nothing happens.
        ...PARTS[id].map((p) =>
          p === "watch"
            ? `watch=${work.quietDir}`
            : p === "lease"
            ? `lease=${work.quietDir}/done`
            : p
        ),
        "--",
        ...child,
      ];
  }
}

/** The empty script whose start-up is the Deno floor. */
export const EMPTY_SCRIPT = `${FIXTURES}empty.ts`;

/** Configs without a child, timed from spawn to exit (`kid run-timed`). */
export function timedToExit(id: ConfigId, work: Workspace): string[] | null {
  switch (id) {
    case "deno-floor":
      return [work.kid, "run-timed", ...DENO_RUN, EMPTY_SCRIPT];
    case "guillotine-version":
      return [work.kid, "run-timed", ...wrap(id, [], work)];
    default:
      return null;
  }
}

/** `list` rotated left by `n`, so that each takes every place in turn. */
export function rotate<T>(list: readonly T[], n: number): T[] {
  const k = n % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
