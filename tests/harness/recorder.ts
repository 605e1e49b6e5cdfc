/**
 * guillotine over the recorder fixture (tests/fixtures/recorder.ts), which
 * prints "ready" and writes every signal it receives to a file: what the
 * trigger's tests start from and check.
 *
 * @module
 */

import assert from "node:assert/strict";
import { findEvent } from "./events.ts";
import { FIXTURES } from "./paths.ts";
import { type Guillotine, start, type StartOptions } from "./pid1.ts";

/** The recorder as a command line; its argument is the file it writes. */
export const RECORDER = ["deno", "run", "-A", `${FIXTURES}recorder.ts`];

/**
 * Starts guillotine with `args` over the recorder writing to `signals`, its
 * log in JSON, and waits until the recorder is ready (so the watch is armed).
 */
export async function startOverRecorder(
  args: string[],
  signals: string,
  options: StartOptions = {},
): Promise<Guillotine> {
  const g = start(
    ["--log-format", "json", ...args, "--", ...RECORDER, signals],
    options,
  );
  try {
    await g.waitForStdout(/ready/);
  } catch (error) {
    await g[Symbol.asyncDispose]();
    throw error;
  }
  return g;
}

/**
 * Waits for guillotine's end after a file trigger: it exits `code`, the
 * child got SIGTERM, and the log says a watched file fired (one of those
 * the "starting" event names), for the child's pid.
 */
export async function expectGuillotined(
  g: Guillotine,
  signals: string,
  { code = 0, timeoutMs = 10_000 }: { code?: number; timeoutMs?: number } = {},
): Promise<void> {
  const status = await g.status(timeoutMs);
  assert.equal(status.code, code, g.stderr);
  const events = g.events;
  const { pid } = findEvent(events, { msg: "child started" }, g.stderr);
  const { watch, watch_mode } = findEvent(events, { msg: "starting" });
  const files = String(watch).split(",");
  const reasons = files.map((file) =>
    files.length === 1
      ? `watched file ${file} exists`
      : `watched file ${file} exists (${watch_mode} of ${files.length})`
  );
  findEvent(
    events,
    (e) =>
      e.pid === pid &&
      reasons.some((r) => e.msg === `guillotining the child: ${r}`),
    g.stderr,
  );
  assert.match(Deno.readTextFileSync(signals), /SIGTERM/);
}
