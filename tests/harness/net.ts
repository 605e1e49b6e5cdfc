/**
 * Network helpers for tests.
 *
 * Tests run in parallel and each starts servers on port 0, so the kernel hands
 * out ports from its ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`)
 * to them and to every outgoing connection's source port. A port picked there
 * and closed again can be handed to another test a moment later. The ports
 * below come from outside that range, so no `port: 0` server and no outgoing
 * connection can take them.
 *
 * @module
 */

import { FETCH_BAD_PORTS } from "../../lib/options/values/quit_url.ts";

/** The lowest port the kernel picks for `port: 0` and outgoing connections. */
function ephemeralStart(): number {
  try {
    const text = Deno.readTextFileSync(
      "/proc/sys/net/ipv4/ip_local_port_range",
    );
    const start = Number(text.trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 21000) return start;
  } catch {
    // Not Linux, or no /proc: the usual default.
  }
  return 32768;
}

/** Above the ports that tests name (PostgreSQL, the proxies' presets). */
const LOW = 20000;
const handedOut = new Set<number>();

/**
 * A TCP port that is free on `hostname` now and that nothing else in the tests
 * takes by itself: picked at random below the kernel's ephemeral range, tried
 * with a listener that is closed at once, and never handed out twice by this
 * module instance. Another process picking the same port in the same moment
 * is the one race left (about one in 10,000 per pair of overlapping picks).
 */
export function freePort(hostname = "127.0.0.1"): number {
  const high = ephemeralStart() - 1;
  for (let tries = 0; tries < 1000; tries++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW + 1));
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname, port }).close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${LOW} and ${high} on ${hostname}`);
}

let closed: number | undefined;

/**
 * A loopback TCP port where nothing listens and nothing will: a privileged
 * port (below 1024) that refuses a connection now, and that HTTP clients
 * agree to reach (not one of the Fetch standard's "bad ports"). Tests bind only port 0 or
 * {@linkcode freePort}'s ports, so it stays refused while they run, which a
 * port picked by the kernel and closed again does not.
 *
 * @throws {Error} When every port below 1024 accepts connections.
 */
export async function closedPort(): Promise<number> {
  if (closed !== undefined) return closed;
  for (let port = 1; port < 1024; port++) {
    if (FETCH_BAD_PORTS.has(port)) continue;
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionRefused) return closed = port;
    }
  }
  throw new Error(
    "every usable port below 1024 on 127.0.0.1 accepts connections",
  );
}
