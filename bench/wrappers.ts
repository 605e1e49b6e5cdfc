/**
 * What the benchmark compares: the wrappers (and no wrapper), the Deno floors,
 * and how each one's command line is put together.
 *
 * @module
 */

import {
  DENO,
  guillotineArgv,
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

/** Who is measured. */
export type ConfigId =
  | "none"
  | "tini"
  | "dumb-init"
  | "guillotine"
  | "guillotine-nopoll"
  | "guillotine-version"
  | "deno-spawn"
  | "deno-tick"
  | "deno-floor";

/** Names as the report shows them. */
export const LABELS: Record<ConfigId, string> = {
  none: "no wrapper",
  tini: "tini",
  "dumb-init": "dumb-init",
  guillotine: "guillotine",
  "guillotine-nopoll": "guillotine, poll off",
  "guillotine-version": "guillotine --version",
  "deno-spawn": "Deno floor: minimal spawner",
  "deno-tick": "Deno floor: 1 s interval timer",
  "deno-floor": "Deno floor: bare script",
};

/** The order of the report's rows and the chart's bars. */
export const ORDER: ConfigId[] = [
  "none",
  "tini",
  "dumb-init",
  "guillotine",
  "guillotine-nopoll",
  "guillotine-version",
  "deno-spawn",
  "deno-tick",
  "deno-floor",
];

/** Where a run's files go: the watched directory, the compiled `kid`. */
export interface Workspace {
  dir: string;
  kid: string;
  /** A directory guillotine watches that nothing ever changes. */
  quietDir: string;
}

/** guillotine's command line up to (and with) `--`, before the child's. */
export function guillotine(watched: string, options: string[] = []): string[] {
  return guillotineArgv(["--watch", watched, ...options, "--"], MAIN);
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
      return [
        DENO,
        "run",
        ...PERMISSIONS,
        "--allow-run",
        `${FIXTURES}spawn.ts`,
        ...child,
      ];
    case "guillotine-version":
      // No child: loading guillotine's code, printing a line, exiting.
      return guillotineArgv(["--version"], MAIN);
    case "deno-floor":
      // No child: the floor is the runtime alone.
      return [DENO, "run", ...PERMISSIONS, `${FIXTURES}idle.ts`];
    case "deno-tick":
      return [DENO, "run", ...PERMISSIONS, `${FIXTURES}tick.ts`];
  }
}

/** The empty script whose start-up is the Deno floor. */
export const EMPTY_SCRIPT = `${FIXTURES}empty.ts`;

/** Configs without a child, timed from spawn to exit (`kid run-timed`). */
export function timedToExit(id: ConfigId, work: Workspace): string[] | null {
  switch (id) {
    case "deno-floor":
      return [work.kid, "run-timed", DENO, "run", ...PERMISSIONS, EMPTY_SCRIPT];
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
