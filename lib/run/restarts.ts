/**
 * A container restarted in place (`restartPolicy: OnFailure`): the main side
 * removes the record its previous run left before its child starts; the
 * sidecar, under `OnFailure`, ends only on success records and otherwise
 * watches for the next ones (endsTheSidecar in lib/triggers/decision.ts).
 */

import type { Config } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { armWatch } from "../triggers/arm.ts";
import { endsTheSidecar } from "../triggers/decision.ts";
import type { FileWatch, Trigger } from "../triggers/watcher.ts";

/** How often to look whether a failure record has been replaced. */
const REPLACED_CHECK_MS = 250;

/**
 * Removes a record that exists before the child starts: the previous run's,
 * which a sidecar must never take for this run's. A symlink is removed, not
 * its target.
 */
export async function removeStaleRecord(file: string, log: Logger) {
  try {
    await Deno.lstat(file);
  } catch {
    return; // None: the usual case.
  }
  try {
    await Deno.remove(file);
    log.info("removed the completion record of a previous run", { file });
  } catch (error) {
    log.warn("cannot remove the completion record of a previous run", {
      file,
      error: (error as Error).message,
    });
  }
}

/** The file watch as the supervisor uses it, with the policy applied. */
export interface RecordWatch {
  /** Arms it: a trigger that holds already (and is let through), or null. */
  arm(): Trigger | null | Promise<Trigger | null>;
  readonly triggered: Promise<Trigger>;
  startPolling(): void;
  close(): void;
}

/** The watch on the watched files, under the pod's restart policy. */
export function watchRecords(config: Config, log: Logger): RecordWatch {
  const make = () => armWatch(config, log);
  return config.restartPolicy === "Never"
    ? make()
    : new OnFailureWatch(make, config, log);
}

/** A file's version: a record is renamed into place, new. */
function versionOf(file: string): string {
  try {
    const { dev, ino, mtime, ctime } = Deno.lstatSync(file);
    return `${dev}:${ino}:${mtime?.getTime()}:${ctime?.getTime()}`;
  } catch {
    return "none";
  }
}

/** Under OnFailure: a trigger whose records say failure is held back. */
class OnFailureWatch implements RecordWatch {
  readonly triggered: Promise<Trigger>;
  #fire: (trigger: Trigger) => void;
  #watch: FileWatch;
  #polling = false;
  #closed = false;
  #ticker: Ticker | null = null;

  constructor(
    private readonly make: () => FileWatch,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.#watch = make();
    const { promise, resolve } = Promise.withResolvers<Trigger>();
    this.triggered = promise;
    this.#fire = resolve;
  }

  async arm(): Promise<Trigger | null> {
    const early = this.#watch.arm();
    if (early) return await this.#admit(early);
    this.#follow(this.#watch);
    return null;
  }

  startPolling(): void {
    this.#polling = true;
    this.#watch.startPolling();
  }

  close(): void {
    this.#closed = true;
    this.#ticker?.stop();
    this.#watch.close();
  }

  #follow(watch: FileWatch): void {
    watch.triggered.then(async (trigger) => {
      if (this.#closed || watch !== this.#watch) return;
      const admitted = await this.#admit(trigger);
      if (admitted) this.#fire(admitted);
    });
  }

  /**
   * The trigger when it ends the sidecar; else null, and waits for new
   * records. Records that all say success give `--exit-code-from-file` exit
   * code 0: a non-zero exit would have the kubelet restart the sidecar.
   */
  async #admit(trigger: Trigger): Promise<Trigger | null> {
    const { readRecord } = await import("../triggers/record_format.ts");
    const { restartPolicy, successExitCodes } = this.config;
    const failed: { file: string; code: number }[] = [];
    let allRecords = true;
    for (const file of trigger.files) {
      const parsed = readRecord(file);
      const exitCode = "record" in parsed ? parsed.record.exitCode : null;
      allRecords &&= exitCode !== null;
      const end = { kind: "record", exitCode } as const;
      if (!endsTheSidecar(restartPolicy, end, successExitCodes)) {
        failed.push({ file, code: exitCode! });
      }
    }
    if (!failed.length) {
      const zero = allRecords && this.config.exitCodeFromFile &&
        trigger.exitCode === undefined;
      return zero ? { ...trigger, exitCode: 0 } : trigger;
    }
    this.log.warn(
      `the main container failed: under restartPolicy ${restartPolicy} the kubelet restarts it in place; watching for its next record`,
      {
        file: failed.map((f) => f.file).join(","),
        exit_code: failed.map((f) => f.code).join(","),
      },
    );
    this.#awaitNewRecords(failed.map((f) => f.file));
    return null;
  }

  /** Arms a new watch once every failure record is gone or replaced. */
  #awaitNewRecords(files: string[]): void {
    const seen = new Map(files.map((f) => [f, versionOf(f)]));
    this.#ticker?.stop();
    this.#ticker = every(REPLACED_CHECK_MS, () => {
      if (this.#closed) return;
      if (files.some((f) => versionOf(f) === seen.get(f))) return;
      this.#ticker?.stop();
      this.#ticker = null;
      this.#watch.close();
      this.#watch = this.make();
      let early: Trigger | null = null;
      try {
        early = this.#watch.arm();
      } catch (error) {
        this.log.warn("cannot watch again; the poll goes on", {
          error: (error as Error).message,
        });
      }
      if (this.#polling) this.#watch.startPolling();
      if (!early) return this.#follow(this.#watch);
      this.#admit(early).then((admitted) => admitted && this.#fire(admitted));
    });
  }
}
