/**
 * The quit endpoint (`--listen`): `POST /quitquitquit` fires the trigger, as
 * in Istio and the Cloud SQL proxy; `GET /healthz` answers 200 while the child
 * runs. Loaded only when `--listen` is given. Handlers do no I/O of their
 * own, so the endpoint never holds up the supervisor.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "./errors.ts";
import type { Logger } from "./log/logger.ts";

/** What the supervisor tells the endpoint and hears from it. */
export interface Endpoint {
  /** Whether /healthz answers 200. */
  setHealthy(healthy: boolean): void;
  close(): Promise<void>;
}

/**
 * Routes one request. Pure: it reads the method and path only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { route } from "./endpoint.ts";
 * assert.ok(route("POST", "/quitquitquit", true).quit);
 * assert.equal(route("GET", "/quitquitquit", true).status, 405);
 * ```
 */
export function route(
  method: string,
  path: string,
  healthy: boolean,
): { status: number; body: string; quit: boolean; allow?: string } {
  if (path === "/quitquitquit") {
    return method === "POST"
      ? { status: 200, body: "guillotining\n", quit: true }
      : { status: 405, body: "use POST\n", quit: false, allow: "POST" };
  }
  if (path === "/healthz") {
    if (method !== "GET" && method !== "HEAD") {
      return {
        status: 405,
        body: "use GET\n",
        quit: false,
        allow: "GET, HEAD",
      };
    }
    return healthy
      ? { status: 200, body: "ok\n", quit: false }
      : { status: 503, body: "child not running\n", quit: false };
  }
  return { status: 404, body: "not found\n", quit: false };
}

/**
 * Starts listening.
 *
 * @param onQuit Called for each POST /quitquitquit.
 * @throws {GuillotineError} (125) When the address cannot be listened on.
 */
export async function openEndpoint(
  address: { hostname: string; port: number },
  onQuit: () => void,
  log: Logger,
): Promise<Endpoint> {
  let healthy = false;
  let server: Deno.HttpServer;
  const listening = Promise.withResolvers<void>();
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: ({ hostname, port }) => {
        log.info("quit endpoint listening", { address: `${hostname}:${port}` });
        listening.resolve();
      },
      onError: () => new Response("internal error\n", { status: 500 }),
    }, (request) => {
      const { pathname } = new URL(request.url);
      const answer = route(request.method, pathname, healthy);
      if (answer.quit) {
        log.info("POST /quitquitquit received");
        onQuit();
      }
      const headers: HeadersInit = answer.allow ? { allow: answer.allow } : {};
      return new Response(request.method === "HEAD" ? null : answer.body, {
        status: answer.status,
        headers,
      });
    });
  } catch (error) {
    throw new GuillotineError(
      `Cannot listen on ${address.hostname}:${address.port}: ${
        (error as Error).message
      }: choose another --listen address or port`,
      EXIT_USAGE,
    );
  }
  await listening.promise;
  return {
    setHealthy: (value) => healthy = value,
    close: () => server.shutdown(),
  };
}
