/**
 * Starting the child: `posix_spawn` into a process group of its own (and the
 * terminal's foreground), with the environment guillotine was given.
 *
 * @module
 */

import * as E from "./errno.ts";
import { keep, libc, occasionalCalls } from "./libc.ts";
import { rawEnvironment } from "./proc_self.ts";

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;

// Larger than glibc's posix_spawnattr_t (336 bytes) and file_actions (80 bytes)
// on every Linux target, so one size serves x86_64 and aarch64.
const OPAQUE_SIZE = 1024;
// A sigset_t with every bit set: glibc's sigfillset leaves out its internal
// signals 32 and 33, which posix_spawn would then leave ignored in the child.
const ALL_SIGNALS = new Uint8Array(128).fill(0xff);
const NO_SIGNALS = new Uint8Array(128);

/** The outcome of {@linkcode spawn}: a pid, or the errno of the failure. */
export type SpawnResult = { pid: number; errno: 0 } | { pid: 0; errno: number };

/** An argument: text, or the bytes exec gave guillotine. */
export type Argument = string | Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(arg: Argument): Uint8Array<ArrayBuffer> {
  return typeof arg === "string" ? encoder.encode(arg) : arg;
}

function withNul(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** A NULL-terminated array of pointers to NUL-terminated strings. */
function pointerArray(
  strings: Uint8Array<ArrayBuffer>[],
): BigUint64Array<ArrayBuffer> {
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)));
  });
  return pointers;
}

/**
 * Starts a program as a child in a process group of its own, with every signal
 * at its default action and none blocked, inheriting guillotine's standard
 * streams and the environment guillotine was given (byte for byte). A name
 * without a slash is searched in that environment's PATH, as `execvp` does;
 * no shell is used.
 *
 * @param argv The program and its arguments.
 * @param foreground Also make the child's group the foreground group of the
 *   terminal on standard input, so it keeps the terminal (as tini does).
 * @returns The child's pid, or the errno that `exec` failed with.
 */
export function spawn(
  argv: readonly Argument[],
  foreground: boolean,
): SpawnResult {
  const c = libc();
  const args = argv.map(bytesOf);
  const environment = rawEnvironment();
  const program = findProgram(args[0], environment);
  if ("errno" in program) return { pid: 0, errno: program.errno };
  const strings = args.map(withNul);
  const pointers = pointerArray(strings);
  const attr = new Uint8Array(OPAQUE_SIZE);
  // Without the terminal to hand over, no file action: posix_spawn takes
  // null, and their calls are not bound before the child starts.
  const t = foreground ? occasionalCalls() : null;
  const actions = t ? new Uint8Array(OPAQUE_SIZE) : null;
  c.posix_spawnattr_init(attr);
  if (t && actions) t.posix_spawn_file_actions_init(actions);
  try {
    c.posix_spawnattr_setflags(
      attr,
      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK,
    );
    c.posix_spawnattr_setpgroup(attr, 0);
    c.posix_spawnattr_setsigdefault(attr, ALL_SIGNALS);
    c.posix_spawnattr_setsigmask(attr, NO_SIGNALS);
    if (actions && t?.posix_spawn_file_actions_addtcsetpgrp_np) {
      t.posix_spawn_file_actions_addtcsetpgrp_np(actions, 0);
    }
    const pid = new Int32Array(1);
    const envStrings = environment?.map(withNul) ?? null;
    const envPointers = envStrings ? pointerArray(envStrings) : null;
    const environ = envPointers
      ? Deno.UnsafePointer.of(envPointers)
      : liveEnvironment();
    const failure = c.posix_spawn(
      pid,
      program.path,
      actions,
      attr,
      new Uint8Array(pointers.buffer),
      environ,
    );
    // Native code read these buffers through raw pointers: keep them
    // reachable until the call has returned.
    keep(envStrings, envPointers, strings, program);
    return failure === 0
      ? { pid: pid[0], errno: 0 }
      : { pid: 0, errno: failure };
  } finally {
    if (t && actions) t.posix_spawn_file_actions_destroy(actions);
    c.posix_spawnattr_destroy(attr);
  }
}

const SLASH = 0x2f;
const X_OK = 1;
const F_OK = 0;
/** glibc's execvp searches this when PATH is not set. */
const DEFAULT_PATH = "/bin:/usr/bin";

/** Without /proc, the live environment (Deno's, changed at start-up). */
function liveEnvironment(): Deno.PointerValue {
  const where = occasionalCalls().environ;
  return where === null
    ? null
    : new Deno.UnsafePointerView(where).getPointer(0);
}

/**
 * The file to execute for `name`, searched as `execvp` does: a name with a
 * slash is used as it is; otherwise each directory of the environment's PATH
 * in turn (an empty entry is the working directory), skipping directories and
 * files that cannot be executed. Searching guillotine's own PATH instead would
 * find what Deno put there (its node shim), not what the user's PATH holds.
 *
 * @returns The path as a C string, or ENOENT (nothing there) or EACCES (only
 *   files that cannot be executed).
 */
export function findProgram(
  name: Uint8Array<ArrayBuffer>,
  environment: readonly Uint8Array[] | null,
): { path: Uint8Array<ArrayBuffer> } | { errno: number } {
  if (name.length === 0) return { errno: E.ENOENT };
  if (name.includes(SLASH)) return { path: withNul(name) };
  const c = libc();
  let denied = false;
  for (const dir of searchPath(environment).split(":")) {
    const prefix = encoder.encode(dir === "" ? "" : `${dir}/`);
    const full = new Uint8Array(prefix.length + name.length + 1);
    full.set(prefix);
    full.set(name, prefix.length);
    if (c.access(full, F_OK) !== 0) continue;
    if (c.access(full, X_OK) === 0 && !isDirectory(full)) return { path: full };
    denied = true;
  }
  return { errno: denied ? E.EACCES : E.ENOENT };
}

function searchPath(environment: readonly Uint8Array[] | null): string {
  if (environment === null) return Deno.env.get("PATH") ?? DEFAULT_PATH;
  const prefix = encoder.encode("PATH=");
  const entry = environment.find((e) =>
    prefix.every((byte, i) => e[i] === byte)
  );
  return entry ? decoder.decode(entry.subarray(prefix.length)) : DEFAULT_PATH;
}

/**
 * Whether a C string path is a directory: the path with a `/` exists only
 * for one. access(2), not Deno.statSync, whose first call in a process costs
 * 1.3-5.8 ms here, before the child starts.
 */
function isDirectory(path: Uint8Array): boolean {
  const dir = new Uint8Array(path.length + 1);
  dir.set(path.subarray(0, -1));
  dir[path.length - 1] = SLASH;
  return libc().access(dir, F_OK) === 0;
}

/**
 * Whether {@linkcode spawn} can hand the terminal to the child here: "no"
 * when guillotine does not hold a terminal, "old-glibc" when it does but
 * glibc is older than 2.35 (no posix_spawn_file_actions_addtcsetpgrp_np).
 */
export function terminalHandOver(): "yes" | "no" | "old-glibc" {
  if (!Deno.stdin.isTerminal()) return "no";
  const t = occasionalCalls();
  if (t.tcgetpgrp(0) !== t.getpgrp()) return "no";
  return t.posix_spawn_file_actions_addtcsetpgrp_np === null
    ? "old-glibc"
    : "yes";
}
