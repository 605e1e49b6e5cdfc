/**
 * The errno values guillotine tells apart, with their names for messages.
 * Linux uses the same numbers on x86_64 and aarch64.
 *
 * @module
 */

/** Every errno guillotine names, once: number by name. */
const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
} as const;

export const {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  E2BIG,
  ENOEXEC,
  EAGAIN,
  ENOMEM,
  EACCES,
  ENOTDIR,
  EISDIR,
  EMFILE,
  ENOTTY,
  ETXTBSY,
  ENOSPC,
  ENAMETOOLONG,
  ELOOP,
  EADDRINUSE,
  EADDRNOTAVAIL,
} = ERRNO;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ERRNO).map(([name, number]) => [number, name]),
);

/**
 * Names an errno for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoName } from "./errno.ts";
 *
 * assert.equal(errnoName(13), "EACCES");
 * assert.equal(errnoName(999), "errno 999");
 * ```
 */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}
