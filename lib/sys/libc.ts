/**
 * The libc calls Deno does not offer, through FFI. Binding a symbol costs
 * about 0.1 ms at start-up: the calls only some runs need are bound apart.
 */

/** A definition for Deno.dlopen: its result, then parameters. */
function fn<
  const R extends Deno.NativeResultType,
  const P extends Deno.NativeType[],
>(result: R, ...parameters: P) {
  return { result, parameters };
}

function bindOnFirstUse<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
) {
  let bound: Deno.DynamicLibrary<S>["symbols"] | undefined;
  return () => bound ??= Deno.dlopen("libc.so.6", symbols).symbols;
}

export const libc = bindOnFirstUse({
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "pointer"],
    result: "i32",
  },
  posix_spawnattr_init: fn("i32", "buffer"),
  posix_spawnattr_destroy: fn("i32", "buffer"),
  posix_spawnattr_setflags: fn("i32", "buffer", "i16"),
  posix_spawnattr_setpgroup: fn("i32", "buffer", "i32"),
  posix_spawnattr_setsigmask: fn("i32", "buffer", "buffer"),
  posix_spawnattr_setsigdefault: fn("i32", "buffer", "buffer"),
  waitpid: fn("i32", "i32", "buffer", "i32"),
  kill: fn("i32", "i32", "i32"),
  __errno_location: fn("pointer"),
  open: fn("i32", "buffer", "i32"),
  access: fn("i32", "buffer", "i32"),
  read: fn("isize", "i32", "buffer", "usize"),
  close: fn("i32", "i32"),
});

/** The file watch's (inotify.ts); the nonblocking ones run on a worker. */
export const watchCalls = bindOnFirstUse({
  inotify_init1: fn("i32", "i32"),
  inotify_add_watch: fn("i32", "i32", "buffer", "u32"),
  inotify_rm_watch: fn("i32", "i32", "i32"),
  eventfd: fn("i32", "u32", "i32"),
  eventfd_write: fn("i32", "i32", "u64"),
  ppoll: {
    ...fn("i32", "buffer", "u64", "pointer", "buffer"),
    nonblocking: true,
  },
  close_on_worker: { ...fn("i32", "i32"), name: "close", nonblocking: true },
});

/** Only with a terminal, when not PID 1 (subreaper), or without /proc. */
export const occasionalCalls = bindOnFirstUse({
  posix_spawn_file_actions_init: fn("i32", "buffer"),
  posix_spawn_file_actions_destroy: fn("i32", "buffer"),
  posix_spawn_file_actions_addtcsetpgrp_np: {
    ...fn("i32", "buffer", "i32"),
    optional: true,
  },
  prctl: fn("i32", "i32", "u64", "u64", "u64", "u64"),
  getpgrp: fn("i32"),
  tcgetpgrp: fn("i32", "i32"),
  signal: fn("pointer", "i32", "pointer"),
  environ: { type: "pointer" },
});

/** The lease's (flock.ts); open_mode is open(2) with a mode for O_CREAT. */
export const lockCalls = bindOnFirstUse({
  open_mode: { ...fn("i32", "buffer", "i32", "u32"), name: "open" },
  flock: fn("i32", "i32", "i32"),
});

/** The shared files' (files.ts); statx, not fstat: one layout on every arch. */
export const fileCalls = bindOnFirstUse({
  statx: fn("i32", "i32", "buffer", "i32", "u32", "buffer"),
  fchmod: fn("i32", "i32", "u32"),
  write: fn("isize", "i32", "buffer", "usize"),
  fsync: fn("i32", "i32"),
  rename: fn("i32", "buffer", "buffer"),
  unlink: fn("i32", "buffer"),
});

/** The debugger port's hold (debugger_port.ts). */
export const holdCalls = bindOnFirstUse({
  socket: fn("i32", "i32", "i32", "i32"),
  setsockopt: fn("i32", "i32", "i32", "i32", "buffer", "u32"),
  bind: fn("i32", "i32", "buffer", "u32"),
  listen: fn("i32", "i32", "i32"),
});

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
/** Not the same on aarch64 (arch/arm64/include/uapi/asm/fcntl.h). */
export const O_NOFOLLOW = Deno.build.arch === "aarch64" ? 0o100000 : 0o400000;
export const O_CLOEXEC = 0o2000000;
/** For a file a neighbour may swap: no wait on a FIFO, no final symlink. */
export const O_SHARED = O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

/** The calling thread's errno, right after a failed call. */
export function errno(): number {
  const where = libc().__errno_location();
  return where === null ? 0 : new Deno.UnsafePointerView(where).getInt32();
}

/** Keeps buffers alive past the native call before it. */
export function keep(..._buffers: unknown[]): void {}

export function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

/** Reads `fd` to its end or past `limit` bytes: the bytes, or read's errno. */
export function readAll(
  fd: number,
  limit = Infinity,
): Uint8Array<ArrayBuffer> | number {
  let bytes = new Uint8Array(Math.min(limit + 1, 65536));
  for (let length = 0;;) {
    if (length > limit) return bytes.subarray(0, length);
    if (length === bytes.length) {
      const more = new Uint8Array(Math.min(length * 2, limit + 1));
      more.set(bytes);
      bytes = more;
    }
    const rest = bytes.subarray(length);
    const n = Number(libc().read(fd, rest, BigInt(rest.length)));
    if (n < 0) return errno();
    if (n === 0) return bytes.subarray(0, length);
    length += n;
  }
}
