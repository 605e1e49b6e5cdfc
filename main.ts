/**
 * guillotine: runs a sidecar's command as PID 1 and ends it when the main
 * work of its pod is done. The only place that reads the arguments and the
 * environment and that exits; everything else takes and returns values.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "./lib/errors.ts";
import { parseOrSayLastWords } from "./lib/last_words.ts";
import { createLogger, writeStderr } from "./lib/log/logger.ts";
import { helpText } from "./lib/options/help.ts";
import { run } from "./lib/supervisor.ts";
import { VERSION } from "./lib/version.ts";

/**
 * Runs guillotine.
 *
 * @param args The command line after the program name.
 * @param env The environment.
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<number> {
  try {
    const request = await parseOrSayLastWords(args, env);
    if (request.kind === "help") {
      console.log(helpText());
      return 0;
    }
    if (request.kind === "version") {
      console.log(`guillotine ${VERSION}`);
      return 0;
    }
    const { config } = request;
    const log = createLogger({
      level: config.logLevel,
      format: config.logFormat,
    });
    return await run(config, { log, cwd: Deno.cwd() });
  } catch (error) {
    if (error instanceof GuillotineError) {
      writeStderr(`guillotine: error: ${error.message}\n`);
      return error.exitCode;
    }
    writeStderr(
      `guillotine: error: internal error: ${
        (error as Error)?.stack ?? error
      }\n`,
    );
    return EXIT_USAGE;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, Deno.env.toObject()));
}
