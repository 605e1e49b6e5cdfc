/**
 * Advisory file locks (flock(2)), held by the kernel for as long as the
 * process that took them lives, however it dies. The lease between the main
 * container and the sidecar is one.
 *
 * @module
 */

import * as E from "./errno.ts";
import {
  cString,
  errno,
  libc,
  lockCalls,
  O_CLOEXEC,
  O_CREAT,
  O_NOCTTY,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
} from "./libc.ts";

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/**
 * Creates `path` if needed and takes an exclusive lock on it, without
 * waiting.
 *
 * @returns The descriptor that holds the lock (close it to release), or the
 *   errno: EWOULDBLOCK (EAGAIN) when someone else holds it.
 */
export function lockExclusive(
  path: string,
): { fd: number } | { errno: number } {
  const c = libc();
  const fd = lockCalls().open_mode(
    cString(path),
    O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
    0o644,
  );
  if (fd < 0) return { errno: errno() };
  if (lockCalls().flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const error = errno();
    c.close(fd);
    return { errno: error };
  }
  return { fd };
}

/** Releases a lock taken by {@linkcode lockExclusive}. */
export function unlock(fd: number): void {
  libc().close(fd);
}

/**
 * Whether someone holds a lock on `path`, asked by taking a shared lock for
 * an instant. Never blocks: the file is opened non-blocking (a FIFO put in
 * its place does not wait for a writer), and the lock is not waited for.
 *
 * @returns "held", "free", or "absent" (no such file, or it cannot be opened).
 */
export function lockState(
  path: Uint8Array<ArrayBuffer>,
): "held" | "free" | "absent" {
  const c = libc();
  const fd = c.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "absent";
  try {
    if (lockCalls().flock(fd, LOCK_SH | LOCK_NB) === 0) {
      lockCalls().flock(fd, LOCK_UN);
      return "free";
    }
    return errno() === E.EAGAIN ? "held" : "absent";
  } finally {
    c.close(fd);
  }
}
