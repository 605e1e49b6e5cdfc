/** The validated configuration: what the command line and the environment asked for. */
import type { LogFormat, LogLevel } from "../log/logger.ts";
import type { GateSpec } from "./values/gate_spec.ts";
import type { HostPort } from "./values/host_port.ts";
import type { QuitTarget } from "./values/quit_url.ts";
import type { Signal } from "./values/signal.ts";
import type { RestartPolicy } from "./values/restart_policy.ts";

/** The settings that options and their environment twins give (lib/options/table.ts says what each means). */
export interface Settings {
  watch: string[];
  watchMode: "all" | "any";
  watchMethod: "events" | "poll";
  signal: Signal;
  gracePeriodMs: number;
  exitCode: number;
  successExitCodes: number[];
  pollIntervalMs: number;
  notify: string | null;
  exitCodeFromFile: boolean;
  waitFor: GateSpec[];
  waitTimeoutMs: number;
  lease: boolean;
  restartPolicy: RestartPolicy;
  lostMainGraceMs: number;
  lostMainExitCode: number;
  listen: HostPort | null;
  logLevel: LogLevel;
  logFormat: LogFormat;
  quitUrls: QuitTarget[];
  terminationLog: string | null;
}

/** Everything guillotine needs to know to run; `command` is the child's, verbatim. */
export interface Config extends Settings {
  command: string[];
}

export type Request =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; config: Config };
