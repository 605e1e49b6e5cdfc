/**
 * Commands of this machine: find them, require them (failing with what to
 * install, never skipping), and run them to their end.
 *
 * @module
 */

/** The path of the executable `name` on PATH, or null when there is none. */
export function which(name: string): string | null {
  if (name.includes("/")) return isExecutable(name) ? name : null;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const path = `${dir || "."}/${name}`;
    if (isExecutable(path)) return path;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Requires a command on this machine.
 *
 * @param install What to do about its absence (a package to install).
 * @throws {Error} When it is not on PATH, saying `install`.
 */
export function requireCommand(name: string, install: string): void {
  if (which(name) !== null) return;
  throw new Error(
    `This test needs "${name}", which is not installed here: ${install}`,
  );
}

/** What a command did, its output decoded. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode exec} and {@linkcode mustExec}. */
export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Runs `cmd` with `args` to its end (no standard input).
 *
 * @throws {Error} When `cmd` cannot be found, naming it.
 */
export async function exec(
  cmd: string,
  args: string[],
  options: ExecOptions = {},
): Promise<CommandResult> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot run "${cmd}": not found`);
    }
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs `cmd` with `args`, which must succeed.
 *
 * @returns Its standard output.
 * @throws {Error} On a non-zero exit, with the command line and its output.
 */
export async function mustExec(
  cmd: string,
  args: string[],
  options: ExecOptions = {},
): Promise<string> {
  const out = await exec(cmd, args, options);
  if (out.code !== 0) {
    throw new Error(
      `Command failed with exit code ${out.code}: ${cmd} ${args.join(" ")}\n` +
        `${out.stderr}${out.stdout}`,
    );
  }
  return out.stdout;
}
