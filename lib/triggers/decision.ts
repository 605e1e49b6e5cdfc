/**
 * The one decision of how the run ends, and the exit code a trigger gives:
 * what the supervisor needs before the child starts, apart from the watch,
 * the leases and the endpoint that propose to it (lib/triggers/arm.ts, loaded
 * after the spawn).
 *
 * @module
 */

import { type ChildStatus, describeStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import type { Verdict } from "./endpoint.ts";
import type { Trigger } from "./watcher.ts";
import { signalName } from "../options/values/signal.ts";

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
 * import { Decision } from "./decision.ts";
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
