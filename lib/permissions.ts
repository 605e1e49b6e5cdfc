/**
 * The Deno permissions guillotine runs with, and no more: libc through FFI
 * (posix_spawn, waitpid, kill, prctl), reading watched files, writing
 * completion records and Unix sockets, the environment, and the network for
 * gates and the quit endpoint, and system information (node:inspector needs
 * it, to close the debugger that Deno opens on SIGUSR1: lib/inspector_guard.ts;
 * --allow-ffi gives more than this anyway). The compile tasks in deno.json, the release
 * workflow and Dockerfile.scratch grant the same; tests/workflows_test.ts
 * keeps them equal.
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
];
