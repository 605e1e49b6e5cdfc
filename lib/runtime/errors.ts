/**
 * Exit codes that guillotine itself owns, and the error that carries one.
 *
 * @module
 */

import { PERMISSIONS } from "./permissions.ts";

/** guillotine's own errors: unknown option, bad value, no command, unusable watch path. */
export const EXIT_USAGE = 125;
/** The command exists but cannot be executed (mode, directory, bad format). */
export const EXIT_NOT_EXECUTABLE = 126;
/** The command was not found (not on PATH, missing file or interpreter). */
export const EXIT_NOT_FOUND = 127;
/** A readiness gate (`--wait-for`) was not ready before `--wait-timeout`. */
export const EXIT_WAIT_TIMEOUT = 124;

/**
 * An error that ends guillotine with a documented exit code. Its message is
 * one line that names the problem and the way out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXIT_USAGE, GuillotineError } from "./errors.ts";
 * const error = new GuillotineError("No command given", EXIT_USAGE);
 * assert.equal(error.exitCode, 125);
 * ```
 */
export class GuillotineError extends Error {
  /** The code guillotine exits with. */
  readonly exitCode: number;

  /**
   * @param message One line: the problem, then the way out.
   * @param exitCode The code guillotine exits with.
   */
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = "GuillotineError";
    this.exitCode = exitCode;
  }
}

/**
 * One line and an exit code for whatever ended guillotine: its own errors as
 * they are, a missing Deno permission with the flags that are needed, and
 * anything else as an internal error, without a stack trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainError, GuillotineError } from "./errors.ts";
 * assert.deepEqual(explainError(new GuillotineError("bad", 126)), {
 *   message: "bad",
 *   code: 126,
 * });
 * assert.match(
 *   explainError(new Deno.errors.NotCapable("Requires ffi access")).message,
 *   /--allow-ffi/,
 * );
 * ```
 */
export function explainError(
  error: unknown,
): { message: string; code: number } {
  if (error instanceof GuillotineError) {
    return { message: error.message, code: error.exitCode };
  }
  if (error instanceof Deno.errors.NotCapable) {
    const flags = PERMISSIONS.join(" ");
    return {
      message: `missing Deno permission (${
        error.message.split("\n")[0]
      }): build guillotine with deno compile ${flags}, or run it with deno run ${flags}`,
      code: EXIT_USAGE,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    message: `internal error (please report it): ${text.split("\n")[0]}`,
    code: EXIT_USAGE,
  };
}
