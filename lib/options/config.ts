/**
 * The validated configuration: what the command line and the environment
 * asked for, as values. `options/` makes it; the supervisor reads it.
 *
 * @module
 */

import type { LogFormat, LogLevel } from "../log/logger.ts";
import type { GateSpec } from "./values/gate_spec.ts";
import type { HostPort } from "./values/host_port.ts";
import type { QuitTarget } from "./values/quit_url.ts";
import type { Signal } from "./values/signal.ts";
import type { RestartPolicy } from "./values/restart_policy.ts";

/** The settings that options and their environment twins give. */
export interface Settings {
  /** Watched files; the trigger fires when all (or any) exist. */
  watch: string[];
  watchMode: "all" | "any";
  /** `events`: file events plus the poll; `poll`: the poll alone. */
  watchMethod: "events" | "poll";
  /** The signal sent to the child's group on trigger. */
  signal: Signal;
  gracePeriodMs: number;
  /** guillotine's exit code after a trigger. */
  exitCode: number;
  /** Child exit codes that count as 0. */
  successExitCodes: number[];
  /** The safety-net check beside file events; 0 turns it off. */
  pollIntervalMs: number;
  /** Where to write the completion record when the child ends. */
  notify: string | null;
  /** After a trigger, exit with the code recorded in the watched file. */
  exitCodeFromFile: boolean;
  /** Gates to pass before the child starts. */
  waitFor: GateSpec[];
  waitTimeoutMs: number;
  /**
   * The lease: with --notify, hold RECORD.lock while the child runs; with
   * --watch, end when a main's lease is free without a record.
   */
  lease: boolean;
  /**
   * The pod's restartPolicy: under OnFailure only a success record ends the
   * sidecar.
   */
  restartPolicy: RestartPolicy;
  /** How long a lost main container has to come back. */
  lostMainGraceMs: number;
  /** guillotine's exit code when a main container was lost. */
  lostMainExitCode: number;
  /** The quit endpoint's address, or null when off. */
  listen: HostPort | null;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Requests sent when guillotine ends, after the completion record. */
  quitUrls: QuitTarget[];
  /** Where the termination message goes, if that file exists; null: off. */
  terminationLog: string | null;
}

/** Everything guillotine needs to know to run. */
export interface Config extends Settings {
  /** The child's program and arguments, verbatim. */
  command: string[];
}

/** What the command line asks for. */
export type Request =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; config: Config };
