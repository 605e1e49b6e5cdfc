/**
 * Starting the child: `posix_spawn` into a process group of its own (and the
 * terminal's foreground), with the arguments and environment byte for byte.
 */

import * as E from "./errno.ts";
import { keep, libc, occasionalCalls } from "./libc.ts";
import { rawEnvironment } from "./proc_self.ts";

/** POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK */
const SPAWN_FLAGS = 0x02 | 0x04 | 0x08;
// More than glibc's posix_spawnattr_t (336 bytes) and file_actions (80 bytes).
const OPAQUE_SIZE = 1024;
// All bits: sigfillset leaves out glibc's 32 and 33, then ignored in the child.
const ALL_SIGNALS = new Uint8Array(128).fill(0xff);
const NO_SIGNALS = new Uint8Array(128);
const SLASH = 0x2f;
const X_OK = 1;

/** Text, or the bytes exec gave guillotine. */
export type Argument = string | Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();

function withNul(bytes: Uint8Array | number[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** C strings and the NULL-terminated array of pointers to them. */
function pointerArray(list: Uint8Array[]): [Uint8Array, Uint8Array[]] {
  const strings = list.map(withNul);
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)));
  });
  return [new Uint8Array(pointers.buffer), strings];
}

/**
 * Starts a program in a process group of its own (`foreground`: with the
 * terminal), signals at their defaults: its pid, or exec's errno.
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
  const [argvp, strings] = pointerArray(args);
  const [envp, envStrings] = environment ? pointerArray(environment) : [];
  const attr = new Uint8Array(OPAQUE_SIZE);
  c.posix_spawnattr_init(attr);
  c.posix_spawnattr_setflags(attr, SPAWN_FLAGS);
  c.posix_spawnattr_setpgroup(attr, 0);
  c.posix_spawnattr_setsigdefault(attr, ALL_SIGNALS);
  c.posix_spawnattr_setsigmask(attr, NO_SIGNALS);
  // No terminal to hand over, no file action: their calls stay unbound.
  const t = foreground ? occasionalCalls() : null;
  const actions = t && new Uint8Array(OPAQUE_SIZE);
  if (actions) t!.posix_spawn_file_actions_init(actions);
  if (actions) t!.posix_spawn_file_actions_addtcsetpgrp_np?.(actions, 0);
  const pid = new Int32Array(1);
  // Without /proc, the live environment (Deno's, changed at start-up).
  const env = envp
    ? Deno.UnsafePointer.of(envp)
    : new Deno.UnsafePointerView(occasionalCalls().environ!).getPointer();
  const failed = c.posix_spawn(pid, program.path, actions, attr, argvp, env);
  // Native code read these through raw pointers: keep them reachable.
  keep(envStrings, envp, strings, program);
  if (actions) t!.posix_spawn_file_actions_destroy(actions);
  c.posix_spawnattr_destroy(attr);
  return { pid: failed === 0 ? pid[0] : 0, errno: failed };
}

/**
 * `name`'s file as `execvp` finds it on `environment`'s PATH (not ours, where
 * Deno put its node shim), or ENOENT, or EACCES (none can be executed).
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

const DEFAULT_PATH = "/bin:/usr/bin"; // glibc's execvp's, without a PATH

function searchPath(environment: readonly Uint8Array[] | null): string {
  if (environment === null) return Deno.env.get("PATH") ?? DEFAULT_PATH;
  const prefix = encoder.encode("PATH=");
  const entry = environment.find((e) => prefix.every((b, i) => e[i] === b));
  const path = entry?.subarray(prefix.length);
  return path ? new TextDecoder().decode(path) : DEFAULT_PATH;
}

/** Whether {@linkcode spawn} can hand the terminal over: not before glibc 2.35. */
export function terminalHandOver(): "yes" | "no" | "old-glibc" {
  if (!Deno.stdin.isTerminal()) return "no";
  const t = occasionalCalls();
  if (t.tcgetpgrp(0) !== t.getpgrp()) return "no";
  return t.posix_spawn_file_actions_addtcsetpgrp_np ? "yes" : "old-glibc";
}
