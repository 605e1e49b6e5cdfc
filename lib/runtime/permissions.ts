/**
 * The Deno permissions guillotine runs with, and no more: libc through FFI
 * (posix_spawn, waitpid, kill, prctl), reading watched files, writing
 * completion records and Unix sockets, the environment, and the network for
 * gates, the quit endpoint and the hold of the debugger's address
 * (lib/sys/debugger_port.ts). Every compile grants the same, from
 * scripts/compile-flags; tests/docs/workflows_test.ts keeps them equal.
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
];
