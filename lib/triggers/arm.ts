/**
 * What can end the child's run besides its own exit, armed by the
 * supervisor: the file watch, the main containers' leases, and the quit
 * endpoint. Each turns what it sees into a {@linkcode Trigger}; a
 * {@linkcode Decision} keeps the first way the run ends, of any kind, so
 * that what the endpoint answers is what guillotine then does.
 *
 * @module
 */

import { type ChildStatus, describeStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import type { Endpoint, Verdict } from "./endpoint.ts";
import { LeaseWatch } from "./lease.ts";
import type { Logger } from "../log/logger.ts";
import type { HostPort } from "../options/values/host_port.ts";
import { watchedPaths } from "./watch_paths.ts";
import { FileWatch, type Trigger } from "./watcher.ts";
import { signalName } from "../options/values/signal.ts";

/**
 * How often the sidecar looks at the leases while it cannot watch their
 * directories for events (lib/triggers/lease.ts).
 */
const LEASE_CHECK_MS = 250;

/** The file watch on the watched files (made absolute, each once). */
export function armWatch(
  config: Pick<
    Config,
    "watch" | "watchMode" | "watchMethod" | "pollIntervalMs"
  >,
  cwd: string,
  log: Logger,
): FileWatch {
  return new FileWatch({
    paths: watchedPaths(config.watch, cwd),
    mode: config.watchMode,
    method: config.watchMethod,
    pollIntervalMs: config.pollIntervalMs,
    log,
  });
}

/** The sidecar's watch on the main containers' leases, when it applies. */
export function watchLeases(
  config: Pick<
    Config,
    | "lease"
    | "watch"
    | "lostMainGraceMs"
    | "lostMainExitCode"
    | "restartPolicy"
  >,
  cwd: string,
  log: Logger,
): LeaseWatch | null {
  if (!config.lease || !config.watch.length) return null;
  const leases = new LeaseWatch({
    records: watchedPaths(config.watch, cwd),
    graceMs: config.lostMainGraceMs,
    exitCode: config.lostMainExitCode,
    restartPolicy: config.restartPolicy,
    checkEveryMs: LEASE_CHECK_MS,
    log,
  });
  leases.start();
  return leases;
}

/**
 * The exit code a trigger gives: the one it asks for, else `--exit-code`;
 * null when it is read from the records (`--exit-code-from-file`).
 */
export function triggerExitCode(
  config: Pick<Config, "exitCode" | "exitCodeFromFile">,
  { exitCode, files }: Trigger,
): number | null {
  if (exitCode !== undefined) return exitCode;
  return config.exitCodeFromFile && files.length ? null : config.exitCode;
}

/** A way the run ends: its shapes are those of the outcome that follows. */
export type Ending =
  | { kind: "trigger"; trigger: Trigger }
  /** The child ended on its own (or by a forwarded signal). */
  | { kind: "exited"; status: ChildStatus }
  /** A terminating signal came before the child started. */
  | { kind: "interrupted"; signal: number }
  | { kind: "wait-timeout"; notReady: string[] };

/**
 * The one decision of how the run ends: the first ending proposed counts,
 * later ones are refused. Its exit code comes from `exitCodeOf`, null when
 * it cannot be known yet (read from the records after the stop).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Decision } from "./arm.ts";
 * const decision = new Decision(() => 0);
 * const file = { reason: "/share/done exists", files: ["/share/done"] };
 * assert.equal(decision.propose({ kind: "trigger", trigger: file }), true);
 * assert.equal(decision.propose({ kind: "interrupted", signal: 15 }), false);
 * assert.deepEqual(await decision.decided, { kind: "trigger", trigger: file });
 * ```
 */
export class Decision {
  #ending: Ending | null = null;
  readonly #exitCodeOf: (ending: Ending) => number | null;
  readonly #decide = Promise.withResolvers<Ending>();
  /** Resolves with the ending that counts. */
  readonly decided: Promise<Ending> = this.#decide.promise;

  constructor(exitCodeOf: (ending: Ending) => number | null) {
    this.#exitCodeOf = exitCodeOf;
  }

  /** The ending that counts, once there is one. */
  get ending(): Ending | null {
    return this.#ending;
  }

  /** Proposes an ending; returns whether it is the one that counts. */
  propose(ending: Ending): boolean {
    if (this.#ending) return false;
    this.#ending = ending;
    this.#decide.resolve(ending);
    return true;
  }

  /** Proposes a quit request's trigger; says what was decided. */
  hear(trigger: Trigger): Verdict {
    const first = this.propose({ kind: "trigger", trigger });
    const ending = this.#ending!;
    return {
      first,
      exitCode: this.#exitCodeOf(ending),
      reason: describeEnding(ending),
      guillotining: ending.kind === "trigger",
    };
  }
}

function describeEnding(ending: Ending): string {
  switch (ending.kind) {
    case "trigger":
      return ending.trigger.reason;
    case "exited":
      return `child ${describeStatus(ending.status, signalName)}`;
    case "interrupted":
      return `${signalName(ending.signal)} before the child started`;
    case "wait-timeout":
      return `not ready: ${ending.notReady.join(", ")}`;
  }
}

/** The quit endpoint; each quit request is proposed to `decision`. */
export async function openQuitEndpoint(
  address: HostPort,
  decision: Decision,
  log: Logger,
): Promise<Endpoint> {
  const { openEndpoint } = await import("./endpoint.ts");
  return openEndpoint(address, ({ method, path, code }) =>
    decision.hear({
      reason: `${method} ${path}${code === null ? "" : `?code=${code}`}`,
      files: [],
      exitCode: code ?? undefined,
    }), log);
}
