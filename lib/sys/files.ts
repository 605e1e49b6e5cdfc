/**
 * Files on a shared volume, which a neighbour may swap at any instant: a path
 * checked then opened can be another file by the open, and a blocking open of
 * a FIFO waits for a writer for ever. So a shared file is opened non-blocking,
 * without following a final symlink, and its descriptor is asked what it is.
 */

import { ELOOP, errnoName } from "./errno.ts";
import {
  cString,
  errno,
  fileCalls,
  keep,
  libc,
  lockCalls,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  readAll,
} from "./libc.ts";

/** A path checked often (a poll): its C strings are made once. */
export type PathProbe = ReturnType<typeof pathProbe>;

/**
 * A probe of `path` through access(2), which, unlike stat, throws nothing
 * when nothing is there: a poll that finds nothing makes no garbage.
 */
export function pathProbe(path: string) {
  const file = cString(path);
  const dir = cString(`${path}/`);
  return {
    exists: () => libc().access(file, 0) === 0,
    isDirectory: () => libc().access(dir, 0) === 0,
  };
}

/** Whether `path` is a directory now, following symlinks. */
export function isDirectory(path: string): boolean {
  return libc().access(cString(`${path}/`), 0) === 0;
}

/** A failed file operation: its errno (null when none), and why, in words. */
export type FileProblem = { errno: number | null; problem: string };

const AT_EMPTY_PATH = 0x1000;
const STATX_TYPE = 0x1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const EMPTY = cString("");

/** Whether an open descriptor is a regular file (statx's stx_mode). */
export function isRegularFile(fd: number): boolean {
  const buffer = new Uint8Array(256);
  if (fileCalls().statx(fd, EMPTY, AT_EMPTY_PATH, STATX_TYPE, buffer) !== 0) {
    return false;
  }
  return (new DataView(buffer.buffer).getUint16(28, true) & S_IFMT) === S_IFREG;
}

function openProblem(code: number): FileProblem {
  return {
    errno: code,
    problem: code === ELOOP
      ? "it is a symbolic link (ELOOP): not followed"
      : `cannot open it (${errnoName(code)})`,
  };
}

/**
 * Reads a file that a neighbour may control, without ever blocking: refused
 * unless a regular file (by its descriptor), read up to `maxBytes`.
 */
export function readSharedFile(
  path: string,
  maxBytes: number,
): { bytes: Uint8Array } | FileProblem {
  const fd = libc().open(
    cString(path),
    O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
  );
  if (fd < 0) return openProblem(errno());
  try {
    if (!isRegularFile(fd)) {
      return {
        errno: null,
        problem: "it is not a regular file (a directory, FIFO or device)",
      };
    }
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
 * Puts `bytes` at `path` atomically: first in `temporary` (a new file, O_EXCL,
 * a symlink not followed) with `mode` whatever the umask (a reader may run as
 * another user), flushed to disk, then renamed over `path` (a symlink there
 * is replaced, not followed). The temporary file is removed on failure.
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
  const fd = lockCalls().open_mode(
    path,
    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
    mode,
  );
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

function failed(call: string): FileProblem {
  const code = errno();
  return { errno: code, problem: `${call} failed (${errnoName(code)})` };
}
