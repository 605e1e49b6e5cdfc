/**
 * Exit codes that guillotine itself owns, and the error that carries one.
 *
 * @module
 */

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
