/**
 * Starting the child: `posix_spawn` into a process group of its own (and the
 * terminal's foreground), with the arguments and environment byte for byte.
 */

import * as E from "./errno.ts";
import { keep, libc, occasionalCalls } from "./libc.ts";
import { rawEnvironment } from "./proc_self.ts";

/** POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK */
const SPAWN_FLAGS = 0x02 | 0x04 | 0x08;
// Larger than glibc's posix_spawnattr_t (336 bytes) and file_actions (80 bytes)
// on every Linux target, so one size serves x86_64 and aarch64.
const OPAQUE_SIZE = 1024;
// A sigset_t with every bit set: glibc's sigfillset leaves out its internal
// signals 32 and 33, which posix_spawn would then leave ignored in the child.
const ALL_SIGNALS = new Uint8Array(128).fill(0xff);
const NO_SIGNALS = new Uint8Array(128);
const SLASH = 0x2f;
const X_OK = 1;
/** glibc's execvp searches this when PATH is not set. */
const DEFAULT_PATH = "/bin:/usr/bin";

/** An argument: text, or the bytes exec gave guillotine. */
export type Argument = string | Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();

function withNul(bytes: Uint8Array | number[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** A NULL-terminated array of pointers to NUL-terminated strings. */
function pointerArray(strings: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)));
  });
  return new Uint8Array(pointers.buffer);
}

/**
 * Starts a program in a process group of its own, every signal at its default
 * and none blocked, with guillotine's standard streams and the environment it
 * was given; `foreground` also hands it the terminal on standard input.
 *
 * @returns The child's pid, or the errno that `exec` failed with.
 */
export function spawn(
  argv: readonly Argument[],
  foreground: boolean,
): { pid: number; errno: number } {
  const c = libc();
  const args = argv.map((a) => typeof a === "string" ? encoder.encode(a) : a);
  const environment = rawEnvironment();
  const program = findProgram(args[0], environment);
  if ("errno" in program) return { pid: 0, errno: program.errno };
  const strings = args.map(withNul);
  const envStrings = environment?.map(withNul);
  const pointers = pointerArray(strings);
  const envPointers = envStrings && pointerArray(envStrings);
  const attr = new Uint8Array(OPAQUE_SIZE);
  // Without the terminal to hand over, no file action: posix_spawn takes
  // null, and their calls are not bound before the child starts.
  const t = foreground ? occasionalCalls() : null;
  const actions = t && new Uint8Array(OPAQUE_SIZE);
  c.posix_spawnattr_init(attr);
  c.posix_spawnattr_setflags(attr, SPAWN_FLAGS);
  c.posix_spawnattr_setpgroup(attr, 0);
  c.posix_spawnattr_setsigdefault(attr, ALL_SIGNALS);
  c.posix_spawnattr_setsigmask(attr, NO_SIGNALS);
  if (actions) {
    t!.posix_spawn_file_actions_init(actions);
    t!.posix_spawn_file_actions_addtcsetpgrp_np?.(actions, 0);
  }
  const pid = new Int32Array(1);
  const failure = c.posix_spawn(
    pid,
    program.path,
    actions,
    attr,
    pointers,
    envPointers ? Deno.UnsafePointer.of(envPointers) : liveEnvironment(),
  );
  // Native code read these through raw pointers: keep them reachable.
  keep(envStrings, envPointers, strings, program);
  if (actions) t!.posix_spawn_file_actions_destroy(actions);
  c.posix_spawnattr_destroy(attr);
  return { pid: failure === 0 ? pid[0] : 0, errno: failure };
}

/** Without /proc, the live environment (Deno's, changed at start-up). */
function liveEnvironment(): Deno.PointerValue {
  const where = occasionalCalls().environ;
  return where && new Deno.UnsafePointerView(where).getPointer(0);
}

/**
 * The file to execute for `name`, as `execvp` finds it: a name with a slash
 * as it is, else the first executable file (not a directory) on the PATH of
 * `environment`, not guillotine's own (where Deno put its node shim).
 *
 * @returns The path as a C string, or ENOENT, or EACCES (only files that
 *   cannot be executed).
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
    const path = [...encoder.encode(dir === "" ? "" : `${dir}/`), ...name];
    const full = withNul(path);
    if (c.access(full, 0) !== 0) continue;
    // Not a directory: the path with a `/` exists only for one. access(2), not
    // Deno.statSync, whose first call costs 1.3-5.8 ms, before the child starts.
    const directory = () => c.access(withNul([...path, SLASH]), 0) === 0;
    if (c.access(full, X_OK) === 0 && !directory()) return { path: full };
    denied = true;
  }
  return { errno: denied ? E.EACCES : E.ENOENT };
}

function searchPath(environment: readonly Uint8Array[] | null): string {
  if (environment === null) return Deno.env.get("PATH") ?? DEFAULT_PATH;
  const prefix = encoder.encode("PATH=");
  const entry = environment.find((e) => prefix.every((b, i) => e[i] === b));
  if (!entry) return DEFAULT_PATH;
  return new TextDecoder().decode(entry.subarray(prefix.length));
}

/**
 * Whether {@linkcode spawn} can hand the terminal to the child: "no" without
 * one, "old-glibc" before 2.35 (no posix_spawn_file_actions_addtcsetpgrp_np).
 */
export function terminalHandOver(): "yes" | "no" | "old-glibc" {
  if (!Deno.stdin.isTerminal()) return "no";
  const t = occasionalCalls();
  if (t.tcgetpgrp(0) !== t.getpgrp()) return "no";
  return t.posix_spawn_file_actions_addtcsetpgrp_np ? "yes" : "old-glibc";
}
