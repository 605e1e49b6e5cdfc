/**
 * The few libc calls that Deno does not offer: spawning into a new process
 * group (and the terminal's foreground), reaping any child, signalling a
 * process group, and registering as child subreaper. Everything here is a thin,
 * synchronous wrapper; the rules live in the callers.
 *
 * @module
 */

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const WNOHANG = 1;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const PR_SET_CHILD_SUBREAPER = 36;
const SIGTTIN = 21;
const SIGTTOU = 22;
/** errno values guillotine tells apart. */
export const ESRCH = 3;
export const ENOENT = 2;
export const EPERM = 1;
export const ENOTDIR = 20;
export const ELOOP = 40;
export const ENAMETOOLONG = 36;
export const ENOTTY = 25;

// Larger than glibc's posix_spawnattr_t (336 bytes) and file_actions (80 bytes)
// on every Linux target, so one size serves x86_64 and aarch64.
const OPAQUE_SIZE = 1024;
// A sigset_t with every bit set: glibc's sigfillset leaves out its internal
// signals 32 and 33, which posix_spawn would then leave ignored in the child.
const ALL_SIGNALS = new Uint8Array(128).fill(0xff);
const NO_SIGNALS = new Uint8Array(128);

const SYMBOLS = {
  posix_spawnp: {
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
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_addtcsetpgrp_np: {
    parameters: ["buffer", "i32"],
    result: "i32",
    optional: true,
  },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  prctl: {
    parameters: ["i32", "u64", "u64", "u64", "u64"],
    result: "i32",
  },
  getpid: { parameters: [], result: "i32" },
  getpgrp: { parameters: [], result: "i32" },
  tcgetpgrp: { parameters: ["i32"], result: "i32" },
  isatty: { parameters: ["i32"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  environ: { type: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let loaded: Libc | undefined;

function libc(): Libc {
  loaded ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return loaded;
}

function errno(): number {
  const where = libc().__errno_location();
  return where === null ? 0 : new Deno.UnsafePointerView(where).getInt32();
}

/** Marks buffers as used, so they outlive the native call before it. */
function keep(..._buffers: unknown[]): void {}

/** A string as a NUL-terminated UTF-8 buffer, for libc. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

/** The outcome of {@linkcode spawn}: a pid, or the errno of the failure. */
export type SpawnResult = { pid: number; errno: 0 } | { pid: 0; errno: number };

/**
 * Starts a program as a child in a process group of its own, with every signal
 * at its default action and none blocked, inheriting guillotine's standard
 * streams and environment. PATH is searched as `execvp` does; no shell is used.
 *
 * @param argv The program and its arguments.
 * @param foreground Also make the child's group the foreground group of the
 *   terminal on standard input, so it keeps the terminal (as tini does).
 * @returns The child's pid, or the errno that `exec` failed with.
 */
export function spawn(
  argv: readonly string[],
  foreground: boolean,
): SpawnResult {
  const c = libc();
  const strings = argv.map(cString);
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)));
  });
  const attr = new Uint8Array(OPAQUE_SIZE);
  const actions = new Uint8Array(OPAQUE_SIZE);
  c.posix_spawnattr_init(attr);
  c.posix_spawn_file_actions_init(actions);
  try {
    c.posix_spawnattr_setflags(
      attr,
      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK,
    );
    c.posix_spawnattr_setpgroup(attr, 0);
    c.posix_spawnattr_setsigdefault(attr, ALL_SIGNALS);
    c.posix_spawnattr_setsigmask(attr, NO_SIGNALS);
    if (foreground && c.posix_spawn_file_actions_addtcsetpgrp_np) {
      c.posix_spawn_file_actions_addtcsetpgrp_np(actions, 0);
    }
    const pid = new Int32Array(1);
    const original = originalEnvironment();
    const environ = original
      ? Deno.UnsafePointer.of(original.pointers)
      : new Deno.UnsafePointerView(c.environ!).getPointer(0);
    const failure = c.posix_spawnp(
      pid,
      strings[0],
      actions,
      attr,
      new Uint8Array(pointers.buffer),
      environ,
    );
    // Native code read these buffers through raw pointers: keep them
    // reachable until the call has returned.
    keep(original?.bytes, strings);
    return failure === 0
      ? { pid: pid[0], errno: 0 }
      : { pid: 0, errno: failure };
  } finally {
    c.posix_spawn_file_actions_destroy(actions);
    c.posix_spawnattr_destroy(attr);
  }
}

/**
 * The environment as guillotine received it, read from /proc/self/environ
 * (the bytes exec left on the stack, which setenv never rewrites), as a
 * NULL-terminated array of pointers into `bytes`. Deno changes its own
 * environment at start-up (where no `node` is on PATH it puts its
 * node_compat_bin shim in front of PATH); the child must not inherit that.
 * Read through libc because Deno wants --allow-all for /proc/self.
 *
 * @returns null when /proc is not there; then the live environment is used.
 */
function originalEnvironment():
  | { bytes: Uint8Array<ArrayBuffer>; pointers: BigUint64Array<ArrayBuffer> }
  | null {
  const c = libc();
  const fd = c.open(cString("/proc/self/environ"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = new Uint8Array(65536);
      const n = Number(c.read(fd, chunk, BigInt(chunk.length)));
      if (n < 0) return null;
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
  } finally {
    c.close(fd);
  }
  const bytes = new Uint8Array(total + 1);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const starts: number[] = [];
  for (let i = 0; i < total; i++) {
    if ((i === 0 || bytes[i - 1] === 0) && bytes[i] !== 0) starts.push(i);
  }
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  const pointers = new BigUint64Array(starts.length + 1);
  starts.forEach((start, i) => pointers[i] = base + BigInt(start));
  return { bytes, pointers };
}

/** Whether {@linkcode spawn} can hand the terminal to the child here. */
export function canHandOverTerminal(): boolean {
  const c = libc();
  return c.posix_spawn_file_actions_addtcsetpgrp_np !== null &&
    c.isatty(0) === 1 && c.tcgetpgrp(0) === c.getpgrp();
}

/**
 * Reaps one exited child, any child, without blocking.
 *
 * @returns Its pid and raw status, or null when no child has exited.
 */
export function reapOne(): { pid: number; status: number } | null {
  const pid = libc().waitpid(-1, statusBytes, WNOHANG);
  return pid > 0 ? { pid, status: statusWord[0] } : null;
}

// One buffer for every waitpid: reaping thousands of orphans allocates nothing.
const statusWord = new Int32Array(1);
const statusBytes = new Uint8Array(statusWord.buffer);

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

/**
 * Sends a signal, as kill(2): a negative pid names a process group, signal 0
 * only asks whether any process is there.
 *
 * @returns 0, or the errno (ESRCH: nobody there).
 */
export function kill(pid: number, signal: number): number {
  return libc().kill(pid, signal) === 0 ? 0 : errno();
}

/** Makes orphans of our descendants come to us, as they would to PID 1. */
export function becomeSubreaper(): boolean {
  return libc().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
}

/** guillotine's own pid. */
export function getpid(): number {
  return libc().getpid();
}

/**
 * Ignores SIGTTIN and SIGTTOU in guillotine (not in the child), so that it is
 * not stopped when it logs while the child holds the terminal, as tini does.
 */
export function ignoreTerminalStops(): void {
  const ignore = Deno.UnsafePointer.create(1n);
  libc().signal(SIGTTIN, ignore);
  libc().signal(SIGTTOU, ignore);
}
