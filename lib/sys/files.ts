/**
 * Files on a shared volume, which a neighbour may swap at any instant: a path
 * checked then opened can be another file, so the descriptor is asked.
 */

import { ELOOP, errnoName } from "./errno.ts";
import {
  cString,
  errno,
  fileCalls,
  keep,
  libc,
  lockCalls,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_SHARED,
  O_WRONLY,
  readAll,
} from "./libc.ts";

/** A path polled through access(2): unlike stat, no garbage for nothing. */
export function pathProbe(path: string) {
  const file = cString(path);
  const dir = cString(`${path}/`); // exists only for a directory
  return {
    exists: () => libc().access(file, 0) === 0,
    isDirectory: () => libc().access(dir, 0) === 0,
  };
}
export type PathProbe = ReturnType<typeof pathProbe>;

/** Whether `path` is a directory now, following symlinks. */
export const isDirectory = (path: string) => pathProbe(path).isDirectory();

/** A failed file operation: its errno (null when none), and why, in words. */
export type FileProblem = { errno: number | null; problem: string };

/** Whether an open descriptor is a regular file (statx's stx_mode). */
export function isRegularFile(fd: number): boolean {
  const statx = new Uint8Array(256); // AT_EMPTY_PATH, STATX_TYPE
  const ok = fileCalls().statx(fd, cString(""), 0x1000, 0x1, statx) === 0;
  const mode = new DataView(statx.buffer).getUint16(28, true);
  return ok && (mode & 0o170000) === 0o100000; // S_IFMT is S_IFREG
}

function openProblem(code: number): FileProblem {
  const problem = code === ELOOP
    ? "it is a symbolic link (ELOOP): not followed"
    : `cannot open it (${errnoName(code)})`;
  return { errno: code, problem };
}

function failed(call: string): FileProblem {
  const code = errno();
  return { errno: code, problem: `${call} failed (${errnoName(code)})` };
}

/** Reads a regular file that a neighbour may control, up to `maxBytes`. */
export function readSharedFile(
  path: string,
  maxBytes: number,
): { bytes: Uint8Array } | FileProblem {
  const fd = libc().open(cString(path), O_RDONLY | O_SHARED);
  if (fd < 0) return openProblem(errno());
  try {
    const problem = "it is not a regular file (a directory, FIFO or device)";
    if (!isRegularFile(fd)) return { errno: null, problem };
    const bytes = readAll(fd, maxBytes);
    if (typeof bytes === "number") {
      return { errno: bytes, problem: `cannot read it (${errnoName(bytes)})` };
    }
    if (bytes.length > maxBytes) {
      return { errno: null, problem: `it is larger than ${maxBytes} bytes` };
    }
    return { bytes };
  } finally {
    libc().close(fd);
  }
}

/**
 * Puts `bytes` at `path` atomically: a new `temporary` (O_EXCL) with `mode`
 * whatever the umask, flushed, renamed over `path`; removed on failure.
 */
export function replaceFile(
  path: string,
  temporary: string,
  bytes: Uint8Array,
  mode: number,
): FileProblem | null {
  const from = cString(temporary);
  const problem = writeNewFile(from, bytes, mode) ??
    (fileCalls().rename(from, cString(path)) === 0 ? null : failed("rename"));
  if (problem) fileCalls().unlink(from);
  return problem;
}

function writeNewFile(
  path: Uint8Array<ArrayBuffer>,
  bytes: Uint8Array,
  mode: number,
): FileProblem | null {
  const f = fileCalls();
  const flags = O_WRONLY | O_CREAT | O_EXCL | O_SHARED;
  const fd = lockCalls().open_mode(path, flags, mode);
  if (fd < 0) return openProblem(errno());
  try {
    if (f.fchmod(fd, mode) !== 0) return failed("fchmod");
    for (let offset = 0; offset < bytes.length;) {
      const rest = bytes.subarray(offset);
      const n = Number(f.write(fd, rest, BigInt(rest.length)));
      keep(rest);
      if (n < 0) return failed("write");
      offset += n;
    }
    return f.fsync(fd) === 0 ? null : failed("fsync");
  } finally {
    libc().close(fd);
  }
}
