/**
 * Advisory locks (flock(2)), held by the kernel while their process lives,
 * however it dies: the lease between the main container and the sidecar.
 * @module
 */

import { EAGAIN, ELOOP, ENOENT, errnoName } from "./errno.ts";
import { type FileProblem, isRegularFile } from "./files.ts";
import * as L from "./libc.ts";

const [LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN] = [1, 2, 4, 8];
const LOCK_FILE_MODE = 0o644; // a sidecar running as another user reads it
const SHARED = L.O_NOCTTY | L.O_NONBLOCK | L.O_NOFOLLOW | L.O_CLOEXEC;

/**
 * Opens (or makes) a lock file: a symlink is not followed (the main side
 * would create its target), anything but a regular file is refused. For
 * writing: its close when the holder dies is IN_CLOSE_WRITE for the sidecar.
 */
export function openLockFile(path: string): { fd: number } | FileProblem {
  const flags = L.O_WRONLY | L.O_CREAT | SHARED;
  const fd = L.lockCalls().open_mode(L.cString(path), flags, LOCK_FILE_MODE);
  if (fd < 0) {
    const code = L.errno();
    const problem = code === ELOOP
      ? "it is a symbolic link: not followed"
      : errnoName(code);
    return { errno: code, problem };
  }
  if (isRegularFile(fd)) return { fd };
  L.libc().close(fd);
  return { errno: null, problem: "it is not a regular file" };
}

/**
 * An exclusive lock on a lock file, not waited for, then its mode made 0644
 * whatever the umask; returns 0 or the errno (EAGAIN: someone holds it).
 */
export function lockExclusive(fd: number): number {
  if (L.lockCalls().flock(fd, LOCK_EX | LOCK_NB) !== 0) return L.errno();
  // After the flock: the change (IN_ATTRIB) tells a watching sidecar that
  // the lease is held. Another user's file (EPERM) keeps its mode.
  L.fileCalls().fchmod(fd, LOCK_FILE_MODE);
  return 0;
}

/** Releases a lock: closes the descriptor of {@linkcode openLockFile}. */
export function unlock(fd: number): void {
  L.libc().close(fd);
}

/** What a probe of a lock file saw, or the errno that kept it from knowing. */
export type LockState = "held" | "free" | "absent" | { errno: number };

/**
 * Whether someone holds the lock on `path`, asked with a shared lock taken
 * for an instant. Never blocks: opened non-blocking (a FIFO there waits for
 * no writer) without following a symlink, and the lock is not waited for.
 * Its C string is made once: the sidecar probes often.
 */
export function lockProbe(path: string): () => LockState {
  const file = L.cString(path);
  return () => {
    const fd = L.libc().open(file, L.O_RDONLY | SHARED);
    if (fd < 0) {
      const code = L.errno();
      return code === ENOENT ? "absent" : { errno: code };
    }
    try {
      if (L.lockCalls().flock(fd, LOCK_SH | LOCK_NB) !== 0) {
        const code = L.errno();
        return code === EAGAIN ? "held" : { errno: code };
      }
      L.lockCalls().flock(fd, LOCK_UN);
      return "free";
    } finally {
      L.libc().close(fd);
    }
  };
}
