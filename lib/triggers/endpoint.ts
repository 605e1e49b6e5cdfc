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
 * The server is `Deno.serve`, stopped by an `AbortSignal`: aborting closes
 * the listener and every connection at once, whatever the clients hold open
 * (measured on Deno 2.9.6: 1.3 ms with one client holding half a request head
 * and another an unsent body), so no client can hold guillotine up. Its
 * `shutdown()` would wait for them: it is not used. The handler never reads a
 * body, and answers from the method, the target and the Host alone. Past 20
 * requests in 100 ms, each answer but a quit waits 50 ms: a flood of kept-alive
 * clients then gets about 300 answers a second instead of 10,000, and the
 * signals that guillotine forwards meanwhile are not slowed (bench/flood.ts).
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { pacer, within } from "../runtime/delay.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import type { HostPort } from "../options/values/host_port.ts";

/** What the supervisor tells the endpoint and hears from it. */
export interface Endpoint {
  /** Whether /healthz answers 200. */
  setHealthy(healthy: boolean): void;
  /** Stops listening and cuts every open connection at once. */
  close(): Promise<void>;
}

/** The run's one decision, as a quit request hears it. */
export interface Verdict {
  /** Whether this request is what ends the run. */
  first: boolean;
  /**
   * The exit code guillotine will use; null when it is read from the
   * completion records once the child has stopped (`--exit-code-from-file`).
   */
  exitCode: number | null;
  /** What ends the run. */
  reason: string;
  /** Whether a trigger ends it (else the child's exit, a signal, a gate). */
  guillotining: boolean;
}

/** A request that fires the trigger. */
export interface QuitRequest {
  method: string;
  path: string;
  /** The exit code asked for with `?code=N`, or null. */
  code: number | null;
}

/** How the endpoint answers one request. */
export interface Answer {
  status: number;
  body: string;
  /** For a 405: the methods the path accepts. */
  allow?: string;
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

// RFC 3986 host (IP literal, or reg-name: IPv4 addresses are reg-names too),
// then an optional port; no user info, no path.
const HOST =
  /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::(\d*))?$/;

/**
 * What is wrong with a request's Host header (RFC 9112 asks for a 400), or
 * null. Several Host headers come joined by ", ", which is malformed too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostFault } from "./endpoint.ts";
 * assert.equal(hostFault("127.0.0.1:9091"), null);
 * assert.match(hostFault("x:99999") ?? "", /malformed Host header/);
 * assert.match(hostFault(null) ?? "", /missing Host header/);
 * ```
 */
export function hostFault(host: string | null): string | null {
  if (host === null) return "missing Host header (HTTP/1.1 requires one)";
  const match = HOST.exec(host);
  if (match && Number(match[1] ?? 0) <= 65535) return null;
  const shown = host.length > 60 ? `${host.slice(0, 60)}...` : host;
  return `malformed Host header ${JSON.stringify(shown)}`;
}

/**
 * Starts listening.
 *
 * @param onQuit Called for each request that asks to quit; the run's one
 *   decision answers it.
 * @throws {GuillotineError} (125) When the address cannot be listened on.
 */
export function openEndpoint(
  address: HostPort,
  onQuit: (request: QuitRequest) => Verdict | Promise<Verdict>,
  log: Logger,
): Endpoint {
  let healthy = false;
  const stop = new AbortController();
  const errors = throttleLogger(log);
  const pace = pacer({ free: 20, windowMs: 100, ms: 50 }, stop.signal);
  const handle = async (request: Request): Promise<Response> => {
    const { method, url } = request;
    const fault = hostFault(request.headers.get("host"));
    // Deno writes the URL as "http://" + Host + the request's path and query
    // (whatever form the target came in), which route() reads as is: never
    // new URL(), which throws on what a client can put there.
    const answer: Answer = fault
      ? { status: 400, body: `${fault}\n` }
      : route(method, url, healthy);
    if (!answer.quit) {
      await pace();
      log.debug("endpoint request", { method, url, status: answer.status });
      return respond(answer);
    }
    const { code, ...rest } = answer.quit;
    const said = code === null ? rest : answer.quit;
    const verdict = await onQuit(answer.quit);
    const exitCode = verdict.exitCode ?? "from the completion records";
    if (verdict.first) {
      log.info("quit requested", said);
      return respond({
        status: 200,
        body: `guillotining, exit code ${exitCode}\n`,
      });
    }
    log.info("quit request after the end was decided", {
      ...said,
      decided: verdict.reason,
      exit_code: verdict.exitCode,
    });
    const already = verdict.guillotining ? "guillotining" : "ending";
    return respond({
      status: 200,
      body: `Already ${already} (${verdict.reason}), exit code ${exitCode}\n`,
    });
  };
  const unexpected = (error: unknown): Response => {
    errors.error("endpoint: unexpected error", {
      error: error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error),
    });
    return respond({ status: 500, body: "Internal error (logged)\n" });
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      signal: stop.signal,
      // Deno's default prints "Listening on ..." to stderr, outside the log.
      onListen: () => {},
      onError: unexpected,
    }, (request) => handle(request).catch(unexpected));
  } catch (error) {
    throw new GuillotineError(
      `Cannot listen on ${address.hostname}:${address.port}: ${
        (error as Error).message
      }: choose another --listen address or port`,
      EXIT_USAGE,
    );
  }
  const { hostname, port } = server.addr;
  log.info("quit endpoint listening", {
    address: hostname.includes(":")
      ? `[${hostname}]:${port}`
      : `${hostname}:${port}`,
  });
  return {
    setHealthy: (value) => healthy = value,
    close: async () => {
      stop.abort();
      // Measured at about 1 ms; bounded all the same.
      await within(server.finished, CLOSE_BOUND_MS);
    },
  };
}

const CLOSE_BOUND_MS = 500;

function respond({ status, body, allow }: Answer): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...allow ? { allow } : {},
    },
  });
}
