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

const REPLACED_CHECK_MS = 250;

/** Removes the previous run's record, which a sidecar must never take for this run's (a symlink, not its target). */
export async function removeStaleRecord(file: string, log: Logger) {
  try {
    await Deno.remove(file);
    log.info("removed the completion record of a previous run", { file });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // the usual case
    log.warn("cannot remove the completion record of a previous run", {
      file,
      error: (error as Error).message,
    });
  }
}

export type RecordWatch = FileWatch | ReturnType<typeof onFailureWatch>;

/** The watch on the watched files, under the pod's restart policy. */
export function watchRecords(config: Config, log: Logger): RecordWatch {
  return config.restartPolicy === "Never"
    ? armWatch(config, log)
    : onFailureWatch(config, log);
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

/**
 * Under OnFailure: a trigger whose records say failure is held back, and the
 * files watched anew once each of those records is gone or replaced.
 */
function onFailureWatch(config: Config, log: Logger) {
  const fired = Promise.withResolvers<Trigger>();
  let watch = armWatch(config, log);
  let closed = false;
  let ticker: Ticker | null = null;

  const follow = (current: FileWatch) =>
    current.triggered.then(async (trigger) => {
      if (closed || current !== watch) return;
      const admitted = await admit(trigger);
      if (admitted) fired.resolve(admitted);
    });

  /**
   * The trigger when it ends the sidecar; else null, and waits for new
   * records. Records that all say success give `--exit-code-from-file` exit
   * code 0: a non-zero exit would have the kubelet restart the sidecar.
   */
  const admit = async (trigger: Trigger): Promise<Trigger | null> => {
    const { readRecord } = await import("../triggers/record_format.ts");
    const { restartPolicy, successExitCodes } = config;
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
      const zero = allRecords && config.exitCodeFromFile &&
        trigger.exitCode === undefined;
      return zero ? { ...trigger, exitCode: 0 } : trigger;
    }
    log.warn(
      `the main container failed: under restartPolicy ${restartPolicy} the kubelet restarts it in place; watching for its next record`,
      {
        file: failed.map((f) => f.file).join(","),
        exit_code: failed.map((f) => f.code).join(","),
      },
    );
    const seen = failed.map((f) => [f.file, versionOf(f.file)]);
    // No other admit can come meanwhile: the only watch has fired.
    ticker = every(REPLACED_CHECK_MS, () => {
      if (seen.some(([file, version]) => versionOf(file) === version)) return;
      ticker?.stop();
      watch.close();
      watch = armWatch(config, log);
      arm().then((admitted) => admitted && fired.resolve(admitted), (error) => {
        log.warn("cannot watch again; the poll goes on", {
          error: (error as Error).message,
        });
        follow(watch);
      });
      // The supervisor starts polling right after arming: long before this.
      watch.startPolling();
    });
    return null;
  };

  /** Arms it: a trigger that holds already (and is let through), or null. */
  const arm = async (): Promise<Trigger | null> => {
    const early = watch.arm();
    if (early) return await admit(early);
    follow(watch);
    return null;
  };

  return {
    triggered: fired.promise,
    arm,
    startPolling: () => watch.startPolling(),
    close() {
      closed = true;
      ticker?.stop();
      watch.close();
    },
  };
}
