/**
 * Where things are: the repository, guillotine's entry point, the test
 * fixtures, and the Deno and permissions guillotine runs with.
 *
 * @module
 */

import { PERMISSIONS } from "../../lib/runtime/permissions.ts";

/** Exactly the permissions the compiled binary gets. */
export { PERMISSIONS };
/** The repository's root, with a trailing slash. */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** guillotine's entry point in this checkout. */
export const MAIN = `${ROOT}main.ts`;
/** The test fixtures, with a trailing slash. */
export const FIXTURES = `${ROOT}tests/fixtures/`;
/** The Deno running the tests runs guillotine too. */
export const DENO = Deno.execPath();

/**
 * The command line that runs guillotine (`deno run` with its permissions)
 * with `args`.
 *
 * @param main The main.ts to run: this checkout's unless another is named.
 */
export function guillotineArgv(args: string[], main = MAIN): string[] {
  return [DENO, "run", "--no-code-cache", ...PERMISSIONS, main, ...args];
}
