/**
 * Network helpers for tests.
 *
 * @module
 */

/**
 * A TCP port that was free a moment ago on `hostname`: the kernel picks it,
 * the listener is closed at once. Another process may take it in between;
 * the ephemeral range makes that rare.
 */
export function freePort(hostname = "127.0.0.1"): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
