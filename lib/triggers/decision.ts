/**
 * The run's one decision of how it ends, a trigger's exit code, and what ends
 * the sidecar under each `--restart-policy`: needed before the child starts.
 * @module
 */

import { type ChildStatus, describeStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import type { Verdict } from "./endpoint.ts";
import type { Trigger } from "./watcher.ts";
import { signalName } from "../options/values/signal.ts";
import type { RestartPolicy } from "../options/values/restart_policy.ts";

/** A trigger's exit code, else `--exit-code`; null: from the records. */
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

/** The first ending proposed counts; `exitCodeOf` (null: from the records). */
export class Decision {
  #ending: Ending | null = null;
  readonly #decide = Promise.withResolvers<Ending>();
  readonly decided: Promise<Ending> = this.#decide.promise;

  constructor(private readonly exitCodeOf: (e: Ending) => number | null) {}

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
      exitCode: this.exitCodeOf(ending),
      reason: describeEnding(ending),
      guillotining: ending.kind === "trigger",
    };
  }
}

function describeEnding(e: Ending): string {
  if (e.kind === "trigger") return e.trigger.reason;
  if (e.kind === "exited") {
    return `child ${describeStatus(e.status, signalName)}`;
  }
  if (e.kind === "wait-timeout") return `not ready: ${e.notReady.join(", ")}`;
  return `${signalName(e.signal)} before the child started`;
}

/**
 * Whether a main container's end ends the sidecar. Under `OnFailure` the
 * kubelet restarts a failed main in place, so only a success does: ending on
 * a failure would restart the sidecar too, which would find the old record
 * and end again (a crash loop). No record (exitCode null) says no failure.
 */
export function endsTheSidecar(
  policy: RestartPolicy,
  end: { kind: "record"; exitCode: number | null } | { kind: "lost-main" },
  successExitCodes: readonly number[],
): boolean {
  if (policy === "Never") return true;
  if (end.kind === "lost-main") return false;
  return end.exitCode === null || end.exitCode === 0 ||
    successExitCodes.includes(end.exitCode);
}
