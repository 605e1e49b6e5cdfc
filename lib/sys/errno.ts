/** Linux's errno numbers by name (the same on x86_64 and aarch64). */

const ERRNO: Record<string, number> = { EADDRINUSE: 98, EADDRNOTAVAIL: 99 };
`EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM
EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE
EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE
EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP`.split(/\s+/)
  .forEach((name, i) => ERRNO[name] = i + 1);

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
  EMFILE,
  ENOTTY,
  ETXTBSY,
  ENOSPC,
  ENAMETOOLONG,
  ELOOP,
  EADDRINUSE,
  EADDRNOTAVAIL,
} = ERRNO;

const NAMES = new Map(Object.entries(ERRNO).map(([name, n]) => [n, name]));

/** Names an errno for messages: `EACCES`, or `errno 999`. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}
