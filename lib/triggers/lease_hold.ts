/**
 * The main side of the lease (lib/triggers/lease.ts says what it is for):
 * an exclusive flock on `FILE.lock`, held from before the child starts
 * until the record is written, and by the kernel until this process dies.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { EAGAIN, errnoName } from "../sys/errno.ts";
import { lockExclusive, unlock } from "../sys/flock.ts";
import { parentOf } from "../options/values/path.ts";

/** The lease file of a record. */
export function leasePath(record: string): string {
  return `${record}.lock`;
}

/** A lease held by this process; released by `release()` or by its death. */
export interface Lease {
  release(): void;
}

/** How long to keep trying when a sidecar's probe holds the lock an instant. */
const TAKE_ATTEMPTS = 50;
const TAKE_RETRY_MS = 20;

/**
 * Takes the lease of `record` (an absolute path) for the main side. A lease
 * that cannot be taken is a warning, not an error: the main work matters
 * more than the sidecar's safety net.
 */
export async function holdLease(
  record: string,
  log: Logger,
): Promise<Lease | null> {
  const path = leasePath(record);
  try {
    await Deno.mkdir(parentOf(path), { recursive: true });
  } catch { /* open says why below */ }
  let result = lockExclusive(path);
  for (let i = 1; i < TAKE_ATTEMPTS && "errno" in result; i++) {
    if (result.errno !== EAGAIN) break; // a probe or another holder
    await new Promise((r) => setTimeout(r, TAKE_RETRY_MS));
    result = lockExclusive(path);
  }
  if ("problem" in result) {
    log.warn(
      `cannot take the lease (${result.problem}): the sidecar will not notice if this container dies without a record`,
      {
        file: path,
        errno: result.errno === null ? null : errnoName(result.errno),
      },
    );
    return null;
  }
  log.debug("holding the lease", { file: path });
  const { fd } = result;
  let held = true;
  return {
    release() {
      if (held) unlock(fd);
      held = false;
    },
  };
}
