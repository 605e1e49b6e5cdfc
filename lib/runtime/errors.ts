/** Exit codes that guillotine itself owns, and the error that carries one. */

import { PERMISSIONS } from "./permissions.ts";

/** guillotine's own errors: unknown option, bad value, no command, unusable watch path. */
export const EXIT_USAGE = 125;
/** The command exists but cannot be executed (mode, directory, bad format). */
export const EXIT_NOT_EXECUTABLE = 126;
/** The command was not found (not on PATH, missing file or interpreter). */
export const EXIT_NOT_FOUND = 127;
/** A readiness gate (`--wait-for`) was not ready before `--wait-timeout`. */
export const EXIT_WAIT_TIMEOUT = 124;

/** An error that ends guillotine with `exitCode`; its message is one line: the problem, then the way out. */
export class GuillotineError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = "GuillotineError";
  }
}

/**
 * One line and an exit code for whatever ended guillotine: its own errors as
 * they are, a missing permission with the flags needed, anything else as an
 * internal error without a stack trace.
 */
export function explainError(
  error: unknown,
): { message: string; code: number } {
  if (error instanceof GuillotineError) {
    return { message: error.message, code: error.exitCode };
  }
  const first = (error instanceof Error ? error.message : String(error))
    .split("\n")[0];
  const flags = PERMISSIONS.join(" ");
  const message = error instanceof Deno.errors.NotCapable
    ? `missing Deno permission (${first}): build guillotine with deno compile ${flags}, or run it with deno run ${flags}`
    : `internal error (please report it): ${first}`;
  return { message, code: EXIT_USAGE };
}
