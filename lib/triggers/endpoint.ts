/**
 * The quit endpoint (`--listen`). It speaks the dialect of the proxies' own
 * quit endpoints, so that a manifest written for one of them works unchanged:
 *
 * - `POST /quitquitquit`, as Istio's pilot-agent and Envoy's admin accept,
 *   and `GET /quitquitquit`, as the Cloud SQL Auth Proxy accepts since 2.7.0
 *   (for Kubernetes' lifecycle hooks and a plain `curl`), fire the trigger;
 * - `POST /shutdown`, Linkerd's proxy's, fires it too;
 * - `?code=N` (0 to 255) on any of them is the exit code guillotine reports,
 *   so that a main container without guillotine can pass its failure on;
 * - `GET /healthz` answers 200 while the child runs, else 503.
 *
 * A GET that quits can come from anything that reaches the port (a browser's
 * prefetch, a crawler following a link): that is one reason why a bare
 * `--listen PORT` binds the loopback only.
 *
 * The server (`http/server.ts`) answers one request per connection and cuts
 * every connection when closed, so that no client can hold guillotine up.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Reply } from "./http/head.ts";
import { serveHttp } from "./http/server.ts";
import type { Logger } from "../log/logger.ts";
import type { HostPort } from "../options/values/host_port.ts";

/** What the supervisor tells the endpoint and hears from it. */
export interface Endpoint {
  /** Whether /healthz answers 200. */
  setHealthy(healthy: boolean): void;
  /** Stops listening and cuts every open connection at once. */
  close(): Promise<void>;
}

/** A request that fires the trigger. */
export interface QuitRequest {
  method: string;
  path: string;
  /** The exit code asked for with `?code=N`, or null. */
  code: number | null;
}

/** How the endpoint answers one request. */
export interface Answer extends Reply {
  /** Set when the request fires the trigger. */
  quit?: QuitRequest;
}

const QUIT_METHODS: ReadonlyMap<string, readonly string[]> = new Map([
  ["/quitquitquit", ["GET", "POST"]],
  ["/shutdown", ["POST"]],
]);

/**
 * Routes one request. Pure: it reads the method and the request target only.
 *
 * @param target The request target as sent: `/path?query` or an absolute URL.
 * @param healthy Whether the child runs (for /healthz).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { route } from "./endpoint.ts";
 * assert.deepEqual(route("GET", "/quitquitquit?code=3", true).quit, {
 *   method: "GET",
 *   path: "/quitquitquit",
 *   code: 3,
 * });
 * assert.equal(route("PUT", "/quitquitquit", true).allow, "GET, POST");
 * assert.equal(route("POST", "/quitquitquit?code=256", true).status, 400);
 * ```
 */
export function route(
  method: string,
  target: string,
  healthy: boolean,
): Answer {
  const parts = splitTarget(target);
  if (!parts) {
    return { status: 400, body: "The request target must be a path\n" };
  }
  const { path, query } = parts;
  const methods = QUIT_METHODS.get(path);
  if (methods) {
    if (!methods.includes(method)) return refuse(methods);
    const code = parseCode(query);
    if (typeof code === "string") return { status: 400, body: `${code}\n` };
    const body = code === null
      ? "guillotining\n"
      : `guillotining, exit code ${code}\n`;
    return { status: 200, body, quit: { method, path, code } };
  }
  if (path === "/healthz") {
    if (method !== "GET" && method !== "HEAD") return refuse(["GET", "HEAD"]);
    return healthy
      ? { status: 200, body: "ok\n" }
      : { status: 503, body: "child not running\n" };
  }
  return {
    status: 404,
    body: "Not found: the paths are /quitquitquit, /shutdown and /healthz\n",
  };
}

function refuse(methods: readonly string[]): Answer {
  return {
    status: 405,
    body: `Use ${methods.join(" or ")}\n`,
    allow: methods.join(", "),
  };
}

/** Origin form (`/p?q`) or absolute form (`http://h/p?q`); no fragment. */
function splitTarget(target: string): { path: string; query: string } | null {
  const match = /^(https?:\/\/[^/?#]*)?(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(
    target,
  );
  if (!match || (!match[1] && !match[2])) return null;
  return { path: match[2] ?? "/", query: match[3] ?? "" };
}

/** The `code` parameter: a number, null when absent, or what is wrong. */
function parseCode(query: string): number | null | string {
  let code: number | null = null;
  for (const [name, value] of new URLSearchParams(query)) {
    if (name !== "code") {
      return `Unknown parameter ${JSON.stringify(name)}: the only one is code`;
    }
    if (code !== null) return "Cannot use code: given more than once";
    if (!/^\d{1,3}$/.test(value) || Number(value) > 255) {
      return `Cannot use code ${
        JSON.stringify(value.slice(0, 40))
      }: expected an integer from 0 to 255`;
    }
    code = Number(value);
  }
  return code;
}

/**
 * Starts listening.
 *
 * @param onQuit Called for each request that fires the trigger, once its
 *   answer was sent (or could not be).
 * @throws {GuillotineError} (125) When the address cannot be listened on.
 */
export function openEndpoint(
  address: HostPort,
  onQuit: (request: QuitRequest) => void,
  log: Logger,
): Endpoint {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: address.hostname, port: address.port });
  } catch (error) {
    throw new GuillotineError(
      `Cannot listen on ${address.hostname}:${address.port}: ${
        (error as Error).message
      }: choose another --listen address or port`,
      EXIT_USAGE,
    );
  }
  const { hostname, port } = listener.addr;
  log.info("quit endpoint listening", {
    address: hostname.includes(":")
      ? `[${hostname}]:${port}`
      : `${hostname}:${port}`,
  });
  let healthy = false;
  let quitting = false;
  const server = serveHttp(listener, ({ method, target }) => {
    const answer = route(method, target, healthy);
    const quit = answer.quit;
    if (!quit) {
      log.debug("endpoint request", { method, target, status: answer.status });
      return { reply: answer };
    }
    if (quitting) {
      // The first quit decided the exit code; say so rather than promise
      // another one.
      return {
        reply: { status: 200, body: "Already guillotining\n" },
      };
    }
    quitting = true;
    return {
      reply: answer,
      sent: () => {
        const { code, ...request } = quit;
        log.info("quit requested", code === null ? request : quit);
        onQuit(quit);
      },
    };
  }, log);
  return {
    setHealthy: (value) => healthy = value,
    close: () => Promise.resolve(server.close()),
  };
}
