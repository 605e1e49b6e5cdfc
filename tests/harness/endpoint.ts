/**
 * guillotine with its quit endpoint (`--listen`) on a free port, its child
 * running, its log in JSON: what the endpoint's tests start from.
 *
 * @module
 */

import { freePort } from "./net.ts";
import { type Guillotine, start } from "./pid1.ts";

/** Starts guillotine with `--listen` on a free loopback port; waits until it serves. */
export async function serving(
  options: string[] = [],
): Promise<{ g: Guillotine; port: number }> {
  const port = freePort();
  const g = start([
    "--log-format",
    "json",
    "--listen",
    String(port),
    ...options,
    "sh",
    "-c",
    "echo ready; exec sleep 1000",
  ]);
  await g.waitForStdout(/ready/);
  await g.waitForEvent({
    msg: "quit endpoint listening",
    address: `127.0.0.1:${port}`,
  });
  return { g, port };
}
