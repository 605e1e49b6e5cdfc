/**
 * HTTP endpoints on the loopback for tests: one that answers with given
 * statuses and notes each request, one that accepts connections and never
 * answers, and the URL of one that refuses.
 *
 * @module
 */

import { closedPort } from "./net.ts";

/** What an endpoint saw: each request, and which of the watched paths existed. */
export interface SeenRequest {
  request: string;
  existing: string[];
}

/**
 * Answers the n-th request with `statuses[n]` (the last one from then on).
 *
 * @param paths Files to look at when each request comes (non-empty ones are
 *   noted in `existing`).
 */
export function answering(
  statuses: readonly number[],
  paths: () => string[] = () => [],
) {
  const seen: SeenRequest[] = [];
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const existing = paths().filter((path) => {
        try {
          return Deno.statSync(path).size > 0;
        } catch {
          return false;
        }
      });
      const { pathname } = new URL(request.url);
      seen.push({ request: `${request.method} ${pathname}`, existing });
      const status = statuses[Math.min(seen.length, statuses.length) - 1];
      return new Response(null, { status });
    },
  );
  return {
    seen,
    /** The requests, as "METHOD /path". */
    requests: () => seen.map((s) => s.request),
    port: http.addr.port,
    url: `http://127.0.0.1:${http.addr.port}/quitquitquit`,
    async [Symbol.asyncDispose]() {
      await http.shutdown();
    },
  };
}

/** Accepts connections and never answers; notes when the first came. */
export function hanging() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let firstAt = 0;
  (async () => {
    for await (const conn of listener) {
      firstAt ||= performance.now();
      conns.push(conn);
    }
  })().catch(() => {});
  return {
    conns,
    firstAt: () => firstAt,
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/quit`,
    [Symbol.dispose]() {
      listener.close();
      for (const conn of conns) conn.close();
    },
  };
}

/** A URL on the loopback where nothing listens, for as long as the tests run. */
export async function refusedUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}/quitquitquit`;
}
