/**
 * Starting the child: `posix_spawnp` into a process group of its own (and the
 * terminal's foreground), with the environment guillotine was given.
 *
 * @module
 */

import { cString, keep, libc } from "./libc.ts";

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

// Larger than glibc's posix_spawnattr_t (336 bytes) and file_actions (80 bytes)
// on every Linux target, so one size serves x86_64 and aarch64.
const OPAQUE_SIZE = 1024;
// A sigset_t with every bit set: glibc's sigfillset leaves out its internal
// signals 32 and 33, which posix_spawn would then leave ignored in the child.
const ALL_SIGNALS = new Uint8Array(128).fill(0xff);
const NO_SIGNALS = new Uint8Array(128);

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
