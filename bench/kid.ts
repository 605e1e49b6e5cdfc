/**
 * Builds `kid` (bench/kid.c), the benchmark's child programs, with the C
 * compiler of the machine (gcc is on the project's machine image): statically
 * when libc.a is there, for the cheapest exec, else dynamically.
 *
 * @module
 */

import { type CommandResult, exec, ROOT } from "../tests/harness/mod.ts";

/**
 * Compiles `kid` into `dir`.
 *
 * @returns The path of the binary.
 * @throws {Error} When no C compiler works.
 */
export async function buildKid(dir: string): Promise<string> {
  const source = `${ROOT}bench/kid.c`;
  const output = `${dir}/kid`;
  const compiler = Deno.env.get("CC") ?? "cc";
  let lastError = "";
  for (const extra of [["-static"], []]) {
    let result: CommandResult;
    try {
      result = await exec(compiler, [
        "-O2",
        "-Wall",
        ...extra,
        "-o",
        output,
        source,
      ]);
    } catch (error) {
      throw new Error(
        `${
          (error as Error).message
        }: install gcc (apt-get install gcc) or set CC`,
      );
    }
    if (result.code === 0) return output;
    lastError = result.stderr;
  }
  throw new Error(`Cannot compile ${source}: ${lastError}`);
}
