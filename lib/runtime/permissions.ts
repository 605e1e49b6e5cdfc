/**
 * The Deno permissions guillotine runs with, and no more; every compile
 * grants these, from scripts/compile-flags (tests/docs/workflows_test.ts).
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
];
