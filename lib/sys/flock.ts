/**
 * Advisory file locks (flock(2)), held by the kernel for as long as the
 * process that took them lives, however it dies. The lease between the main
 * container and the sidecar is one.
 *
 * @module
 */

import * as E from "./errno.ts";
import { type FileProblem, isRegularFile } from "./files.ts";
import {
  cString,
  errno,
  fileCalls,
  libc,
  lockCalls,
  O_CLOEXEC,
  O_CREAT,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
} from "./libc.ts";

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** The mode of a lock file: a sidecar running as another user reads it. */
const LOCK_FILE_MODE = 0o644;

/**
 * Opens `path` for an exclusive lock, creating it if needed. A symlink at
 * `path` is not followed (O_NOFOLLOW: the main side would create its target
 * wherever it points), and anything but a regular file is refused. Opened
 * for writing: its close, when the holder dies, is IN_CLOSE_WRITE for a
 * watching sidecar.
 *
 * @returns The descriptor (close it with {@linkcode unlock}), or the problem.
 */
export function openLockFile(path: string): { fd: number } | FileProblem {
  const fd = lockCalls().open_mode(
    cString(path),
    O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC,
    LOCK_FILE_MODE,
  );
  if (fd < 0) {
    const code = errno();
    return {
      errno: code,
      problem: code === E.ELOOP
        ? "it is a symbolic link: not followed"
        : E.errnoName(code),
    };
  }
  if (!isRegularFile(fd)) {
    libc().close(fd);
    return { errno: null, problem: "it is not a regular file" };
  }
  return { fd };
}

/**
 * Takes an exclusive lock on a descriptor from {@linkcode openLockFile},
 * without waiting, then makes the file mode 0644 whatever the umask, so that
 * a sidecar running as another user can probe it.
 *
 * @returns 0, or the errno: EWOULDBLOCK (EAGAIN) when someone else holds it.
 */
export function lockExclusive(fd: number): number {
  if (lockCalls().flock(fd, LOCK_EX | LOCK_NB) !== 0) return errno();
  // A file made by another user (EPERM) keeps its mode: the sidecar's probe
  // says if it cannot read. After the flock: the change (IN_ATTRIB) tells a
  // watching sidecar that the lease is held (lib/triggers/lease_events.ts).
  fileCalls().fchmod(fd, LOCK_FILE_MODE);
  return 0;
}

/** Releases a lock: closes the descriptor of {@linkcode openLockFile}. */
export function unlock(fd: number): void {
  libc().close(fd);
}

/**
 * What a probe of a lock file saw: held by someone, free, no such file, or
 * the errno that kept it from knowing (EACCES: a lock file that this user
 * cannot open; ELOOP: a symlink, not followed).
 */
export type LockState = "held" | "free" | "absent" | { errno: number };

/**
 * Whether someone holds a lock on `path`, asked by taking a shared lock for
 * an instant. Never blocks: the file is opened non-blocking (a FIFO put in
 * its place does not wait for a writer) and without following a symlink, and
 * the lock is not waited for.
 */
export function lockState(path: Uint8Array<ArrayBuffer>): LockState {
  const c = libc();
  const fd = c.open(
    path,
    O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC,
  );
  if (fd < 0) {
    const code = errno();
    return code === E.ENOENT ? "absent" : { errno: code };
  }
  try {
    if (lockCalls().flock(fd, LOCK_SH | LOCK_NB) === 0) {
      lockCalls().flock(fd, LOCK_UN);
      return "free";
    }
    const code = errno();
    return code === E.EAGAIN ? "held" : { errno: code };
  } finally {
    c.close(fd);
  }
}
