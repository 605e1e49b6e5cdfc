/**
 * The few libc calls that Deno does not offer, loaded once through FFI. The
 * modules beside this one wrap them thinly and synchronously; the rules live
 * in their callers.
 *
 * @module
 */

const SYMBOLS = {
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "pointer"],
    result: "i32",
  },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setpgroup: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawnattr_setsigmask: {
    parameters: ["buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_setsigdefault: {
    parameters: ["buffer", "buffer"],
    result: "i32",
  },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** The file watch's calls (inotify.ts), loaded only when files are watched. */
const WATCH_SYMBOLS = {
  // The nonblocking ones run on a worker thread.
  inotify_init1: { parameters: ["i32"], result: "i32" },
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  inotify_rm_watch: { parameters: ["i32", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  eventfd_write: { parameters: ["i32", "u64"], result: "i32" },
  ppoll: {
    parameters: ["buffer", "u64", "pointer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  close_on_worker: {
    name: "close",
    parameters: ["i32"],
    result: "i32",
    nonblocking: true,
  },
} as const;

/**
 * Calls that most runs never make: the terminal (only when guillotine has
 * one), the subreaper (only when it is not PID 1), and the live environment
 * (only without /proc).
 */
const OCCASIONAL_SYMBOLS = {
  // Only a child given the terminal needs a file action.
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_addtcsetpgrp_np: {
    parameters: ["buffer", "i32"],
    result: "i32",
    optional: true,
  },
  prctl: {
    parameters: ["i32", "u64", "u64", "u64", "u64"],
    result: "i32",
  },
  getpgrp: { parameters: [], result: "i32" },
  tcgetpgrp: { parameters: ["i32"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  environ: { type: "pointer" },
} as const;

/** The lease's calls (flock.ts), loaded only when a lease is taken or read. */
const LOCK_SYMBOLS = {
  // open(2) with its third argument, the mode of a file it creates.
  open_mode: {
    name: "open",
    parameters: ["buffer", "i32", "u32"],
    result: "i32",
  },
  flock: { parameters: ["i32", "i32"], result: "i32" },
} as const;

/**
 * Reading and writing files that a neighbour may swap (files.ts): the
 * record, the lease. statx rather than fstat: its layout is the same on
 * every architecture.
 */
const FILE_SYMBOLS = {
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
  },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fsync: { parameters: ["i32"], result: "i32" },
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
} as const;

/** The debugger port's hold (debugger_port.ts), taken first thing. */
const HOLD_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
} as const;

// Binding a symbol costs about 0.1 ms at start-up, so the calls that only
// some runs need are bound apart, when first used.

/** Binds `symbols` of libc the first time the returned function is called. */
function bindOnFirstUse<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let bound: Deno.DynamicLibrary<S>["symbols"] | undefined;
  return () => bound ??= Deno.dlopen("libc.so.6", symbols).symbols;
}

/** libc's symbols that every run needs, bound on first use. */
export const libc = bindOnFirstUse(SYMBOLS);
/** The file watch's symbols, bound on first use. */
export const watchCalls = bindOnFirstUse(WATCH_SYMBOLS);
/** The terminal's, the subreaper's and the live environment's, on first use. */
export const occasionalCalls = bindOnFirstUse(OCCASIONAL_SYMBOLS);
/** The lease's symbols, bound on first use. */
export const lockCalls = bindOnFirstUse(LOCK_SYMBOLS);
/** The shared files' symbols, bound on first use. */
export const fileCalls = bindOnFirstUse(FILE_SYMBOLS);
/** The debugger port's hold's symbols, bound on first use. */
export const holdCalls = bindOnFirstUse(HOLD_SYMBOLS);

/** open(2)'s flags, for the calls above. */
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

/**
 * A string as a NUL-terminated UTF-8 buffer, for libc.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cString } from "./libc.ts";
 *
 * assert.deepEqual([...cString("ab")], [97, 98, 0]);
 * ```
 */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}
