/**
 * The main side of the lease (lease.ts says what it is for): an exclusive
 * flock on `FILE.lock`, held from before the child starts until the record
 * is written, and by the kernel until this process dies, however it dies.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { EAGAIN, errnoName } from "../sys/errno.ts";
import { lockExclusive, openLockFile, unlock } from "../sys/flock.ts";
import { parentOf } from "../options/values/path.ts";
import { delay } from "../runtime/delay.ts";

/** The lease file of a record. */
export function leasePath(record: string): string {
  return `${record}.lock`;
}

/** A lease held by this process; released by `release()` or by its death. */
export type Lease = { release(): void };

/**
 * Takes the lease of `record` (absolute). One that cannot be taken is a
 * warning: the main work matters more than the sidecar's safety net.
 */
export async function holdLease(
  record: string,
  log: Logger,
): Promise<Lease | null> {
  const path = leasePath(record);
  // A failure here is for the open to say.
  await Deno.mkdir(parentOf(path), { recursive: true }).catch(() => {});
  // One open, the lock tried again on it (a sidecar's probe holds it an
  // instant): each open and close would prompt the sidecar to look, between
  // two tries, at a free lease.
  const opened = openLockFile(path);
  let problem = opened as { errno: number | null; problem: string };
  if ("fd" in opened) {
    const { fd } = opened;
    let code = lockExclusive(fd);
    for (let i = 1; i < 50 && code === EAGAIN; i++) {
      await delay(20);
      code = lockExclusive(fd);
    }
    if (code === 0) {
      log.debug("holding the lease", { file: path });
      let held = true;
      return {
        release() {
          if (held) unlock(fd);
          held = false;
        },
      };
    }
    unlock(fd);
    problem = { errno: code, problem: errnoName(code) };
  }
  const errno = problem.errno === null ? null : errnoName(problem.errno);
  log.warn(
    `cannot take the lease (${problem.problem}): the sidecar will not notice if this container dies without a record`,
    { file: path, errno },
  );
  return null;
}
