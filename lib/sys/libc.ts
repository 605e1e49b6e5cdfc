/**
 * The few libc calls that Deno does not offer, through FFI. Binding a symbol
 * costs about 0.1 ms at start-up, so the calls that only some runs need are
 * bound apart, in groups, when first used.
 */

/** A function's definition, for Deno.dlopen: its result, then parameters. */
function fn<
  const R extends Deno.NativeResultType,
  const P extends Deno.NativeType[],
>(result: R, ...parameters: P) {
  return { result, parameters };
}

const SYMBOLS = {
  posix_spawn: fn(
    "i32",
    "buffer",
    "buffer",
    "buffer",
    "buffer",
    "buffer",
    "pointer",
  ),
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
};

/** The file watch's (inotify.ts); the nonblocking ones run on a worker. */
const WATCH_SYMBOLS = {
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
} as const;

/** Only with a terminal, when not PID 1 (subreaper), or without /proc. */
const OCCASIONAL_SYMBOLS = {
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
} as const;

/** The lease's (flock.ts); open_mode is open(2) with a mode for O_CREAT. */
const LOCK_SYMBOLS = {
  open_mode: { ...fn("i32", "buffer", "i32", "u32"), name: "open" },
  flock: fn("i32", "i32", "i32"),
} as const;

/** The shared files' (files.ts); statx, not fstat: one layout on every arch. */
const FILE_SYMBOLS = {
  statx: fn("i32", "i32", "buffer", "i32", "u32", "buffer"),
  fchmod: fn("i32", "i32", "u32"),
  write: fn("isize", "i32", "buffer", "usize"),
  fsync: fn("i32", "i32"),
  rename: fn("i32", "buffer", "buffer"),
  unlink: fn("i32", "buffer"),
};

/** The debugger port's hold (debugger_port.ts). */
const HOLD_SYMBOLS = {
  socket: fn("i32", "i32", "i32", "i32"),
  setsockopt: fn("i32", "i32", "i32", "i32", "buffer", "u32"),
  bind: fn("i32", "i32", "buffer", "u32"),
  listen: fn("i32", "i32", "i32"),
};

function bindOnFirstUse<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let bound: Deno.DynamicLibrary<S>["symbols"] | undefined;
  return () => bound ??= Deno.dlopen("libc.so.6", symbols).symbols;
}

export const libc = bindOnFirstUse(SYMBOLS);
export const watchCalls = bindOnFirstUse(WATCH_SYMBOLS);
export const occasionalCalls = bindOnFirstUse(OCCASIONAL_SYMBOLS);
export const lockCalls = bindOnFirstUse(LOCK_SYMBOLS);
export const fileCalls = bindOnFirstUse(FILE_SYMBOLS);
export const holdCalls = bindOnFirstUse(HOLD_SYMBOLS);

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
/** Not the same on aarch64 (arch/arm64/include/uapi/asm/fcntl.h). */
export const O_NOFOLLOW = Deno.build.arch === "aarch64" ? 0o100000 : 0o400000;
export const O_CLOEXEC = 0o2000000;

/** The calling thread's errno, right after a failed call. */
export function errno(): number {
  const where = libc().__errno_location();
  return where === null ? 0 : new Deno.UnsafePointerView(where).getInt32();
}

/** Marks buffers as used, so they outlive the native call before it. */
export function keep(..._buffers: unknown[]): void {}

/** A string as a NUL-terminated UTF-8 buffer. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

/**
 * Reads `fd` to its end, or until it has more than `limit` bytes.
 *
 * @returns The bytes, or the errno of a failed read.
 */
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
