/**
 * Files as the kernel sees them, without Deno's exceptions on the hot path,
 * and files that a neighbour on a shared volume may swap at any instant.
 *
 * A path checked and then opened can be another file by the open (a rename
 * loop on the shared volume wins that race sooner or later), and a blocking
 * `open` of a FIFO waits for a writer for ever, on a thread that guillotine
 * then never gets back. So a shared file is opened non-blocking and without
 * following a final symlink, the descriptor (not the path) is asked what it
 * is, anything but a regular file is refused, and a bounded amount is read.
 *
 * @module
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
} from "./libc.ts";

/**
 * Whether a path exists, following symlinks, as access(2) with F_OK sees it.
 * Unlike Deno.statSync it throws nothing for a missing file, so a poll that
 * finds nothing makes no garbage.
 *
 * @param path A C string from {@linkcode cString}.
 */
export function pathExists(path: Uint8Array<ArrayBuffer>): boolean {
  return libc().access(path, 0) === 0;
}

/** A path checked often (a poll): its C strings are made once. */
export interface PathProbe {
  /** Whether it exists, following symlinks. */
  exists(): boolean;
  /** Whether it is a directory now: the path with a `/` exists only then. */
  isDirectory(): boolean;
}

/**
 * A probe of `path`, through access(2), which opens nothing and, unlike
 * stat, throws nothing for the usual answer of a poll: nothing there.
 */
export function pathProbe(path: string): PathProbe {
  const file = cString(path);
  const dir = cString(`${path}/`);
  return {
    exists: () => pathExists(file),
    isDirectory: () => pathExists(dir),
  };
}

/** Whether `path` is a directory now, following symlinks. */
export function isDirectory(path: string): boolean {
  return pathExists(cString(`${path}/`));
}

/** A failed file operation: its errno (null when none), and why, in words. */
export interface FileProblem {
  errno: number | null;
  problem: string;
}

const AT_EMPTY_PATH = 0x1000;
const STATX_TYPE = 0x1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const EMPTY = cString("");

/** The file type bits of an open descriptor (statx's stx_mode), or null. */
function typeOf(fd: number): number | null {
  const buffer = new Uint8Array(256);
  const failed = fileCalls().statx(
    fd,
    EMPTY,
    AT_EMPTY_PATH,
    STATX_TYPE,
    buffer,
  );
  if (failed !== 0) return null;
  return new DataView(buffer.buffer).getUint16(28, true) & S_IFMT;
}

/** Whether an open descriptor is a regular file. */
export function isRegularFile(fd: number): boolean {
  return typeOf(fd) === S_IFREG;
}

/** The words for a failed open of a shared file. */
function openProblem(code: number): FileProblem {
  return {
    errno: code,
    problem: code === ELOOP
      ? "it is a symbolic link (ELOOP): not followed"
      : `cannot open it (${errnoName(code)})`,
  };
}

const NOT_REGULAR: FileProblem = {
  errno: null,
  problem: "it is not a regular file (a directory, FIFO or device)",
};

/**
 * Reads a file that a neighbour may control without ever blocking: opened
 * with O_NONBLOCK (a FIFO does not wait for a writer) and O_NOFOLLOW (a
 * planted symlink is refused), refused by its descriptor unless a regular
 * file, read up to `maxBytes`.
 *
 * @returns The bytes, or why they cannot be had.
 */
export function readSharedFile(
  path: string,
  maxBytes: number,
): { bytes: Uint8Array } | FileProblem {
  const c = libc();
  const fd = c.open(
    cString(path),
    O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
  );
  if (fd < 0) return openProblem(errno());
  try {
    if (!isRegularFile(fd)) return NOT_REGULAR;
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = Number(
        c.read(fd, buffer.subarray(length), BigInt(buffer.length - length)),
      );
      if (n < 0) {
        const code = errno();
        return { errno: code, problem: `cannot read it (${errnoName(code)})` };
      }
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        return {
          errno: null,
          problem: `it is larger than ${maxBytes} bytes`,
        };
      }
    }
    return { bytes: buffer.subarray(0, length) };
  } finally {
    c.close(fd);
  }
}

/**
 * Writes `bytes` to a new file `path` (which must not exist: O_EXCL, and a
 * symlink there is not followed), with `mode` whatever the umask (a reader
 * may run as another user), flushed to disk.
 *
 * @returns null, or why it failed (the file may be left behind).
 */
export function writeNewFile(
  path: string,
  bytes: Uint8Array,
  mode: number,
): FileProblem | null {
  const c = libc();
  const f = fileCalls();
  const fd = lockCalls().open_mode(
    cString(path),
    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
    mode,
  );
  if (fd < 0) return openProblem(errno());
  try {
    // The umask took bits off the mode given to open.
    if (f.fchmod(fd, mode) !== 0) return failed("fchmod");
    for (let offset = 0; offset < bytes.length;) {
      const rest = bytes.subarray(offset);
      const n = Number(f.write(fd, rest, BigInt(rest.length)));
      keep(rest);
      if (n < 0) return failed("write");
      offset += n;
    }
    if (f.fsync(fd) !== 0) return failed("fsync");
    return null;
  } finally {
    c.close(fd);
  }
}

/** A failed call's problem, from errno. */
function failed(call: string): FileProblem {
  const code = errno();
  return { errno: code, problem: `${call} failed (${errnoName(code)})` };
}

/**
 * Renames `from` to `to`, atomically; a symlink at `to` is replaced, not
 * followed.
 *
 * @returns null, or why it failed.
 */
export function renameFile(from: string, to: string): FileProblem | null {
  if (fileCalls().rename(cString(from), cString(to)) === 0) return null;
  return failed("rename");
}

/** Removes a file (not a directory); a failure is ignored. */
export function removeFile(path: string): void {
  fileCalls().unlink(cString(path));
}
