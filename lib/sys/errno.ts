/**
 * The errno values guillotine tells apart, with their names for messages.
 * Linux uses the same numbers on x86_64 and aarch64.
 *
 * @module
 */

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const ENOTTY = 25;
export const ETXTBSY = 26;
export const ENAMETOOLONG = 36;
export const ELOOP = 40;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [ESRCH]: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  [E2BIG]: "E2BIG",
  [ENOEXEC]: "ENOEXEC",
  9: "EBADF",
  10: "ECHILD",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  19: "ENODEV",
  [ENOTDIR]: "ENOTDIR",
  [EISDIR]: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  [ENOTTY]: "ENOTTY",
  [ETXTBSY]: "ETXTBSY",
  27: "EFBIG",
  28: "ENOSPC",
  30: "EROFS",
  32: "EPIPE",
  [ENAMETOOLONG]: "ENAMETOOLONG",
  38: "ENOSYS",
  [ELOOP]: "ELOOP",
  [EADDRINUSE]: "EADDRINUSE",
  [EADDRNOTAVAIL]: "EADDRNOTAVAIL",
};

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
  return NAMES[errno] ?? `errno ${errno}`;
}
