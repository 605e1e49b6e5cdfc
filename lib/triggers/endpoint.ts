/**
 * The quit endpoint (`--listen`) in the proxies' dialect, so that manifests
 * work unchanged: /quitquitquit (Cloud SQL Proxy 2.7+, Istio, Envoy),
 * /shutdown (Linkerd), /healthz. An AbortSignal stops `Deno.serve`, cutting
 * every connection at once (1.3 ms measured; `shutdown()` would wait for
 * them). Past 20 requests in 100 ms, each answer but a quit waits 50 ms: a
 * kept-alive flood gets 300 answers a second, not 10,000 (bench/flood.ts).
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { pacer, within } from "../runtime/delay.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import type { HostPort } from "../options/values/host_port.ts";

/** What the supervisor tells the endpoint and hears from it. */
export interface Endpoint {
  setHealthy(healthy: boolean): void;
  close(): Promise<void>; // stops listening, cuts every connection at once
}

/** The run's one decision, as a quit request hears it. */
export interface Verdict {
  first: boolean; // whether this request is what ends the run
  exitCode: number | null; // null: from the records (--exit-code-from-file)
  reason: string;
  guillotining: boolean; // a trigger ends it (not the child, a signal, a gate)
}

/** How the endpoint answers one request (`allow` for a 405). */
export interface Answer {
  status: number;
  body: string;
  allow?: string;
  quit?: QuitRequest; // set when it fires the trigger
}

export type QuitRequest = { method: string; path: string; code: number | null };

const METHODS = new Map([
  ["/quitquitquit", ["GET", "POST"]],
  ["/shutdown", ["POST"]],
  ["/healthz", ["GET", "HEAD"]],
]);
const NOT_FOUND =
  "Not found: the paths are /quitquitquit, /shutdown and /healthz\n";
// Origin form (`/p?q`) or absolute form (`http://h/p?q`); no fragment.
const TARGET = /^(https?:\/\/[^/?#]*)?(\/[^?#]*)?(?:\?([^#]*))?$/i;

/** Routes a request from its method and target (a path or an absolute URL). */
export function route(
  method: string,
  target: string,
  healthy: boolean,
): Answer {
  const match = TARGET.exec(target);
  if (!match || (!match[1] && !match[2])) {
    return { status: 400, body: "The request target must be a path\n" };
  }
  const [, , path = "/", query = ""] = match;
  const methods = METHODS.get(path);
  if (!methods) return { status: 404, body: NOT_FOUND };
  if (!methods.includes(method)) {
    const [body, allow] = [`Use ${methods.join(" or ")}\n`, methods.join(", ")];
    return { status: 405, body, allow };
  }
  if (path === "/healthz" && healthy) return { status: 200, body: "ok\n" };
  if (path === "/healthz") return { status: 503, body: "child not running\n" };
  let code: number | null = null; // from `?code=N`
  for (const [name, value] of new URLSearchParams(query)) {
    const fault = name !== "code"
      ? `Unknown parameter ${JSON.stringify(name)}: the only one is code`
      : code !== null
      ? "Cannot use code: given more than once"
      : !/^\d{1,3}$/.test(value) || Number(value) > 255
      ? `Cannot use code ${
        JSON.stringify(value.slice(0, 40))
      }: expected an integer from 0 to 255`
      : null;
    if (fault) return { status: 400, body: `${fault}\n` };
    code = Number(value);
  }
  // The body is the handler's, which hears the decision first.
  return { status: 200, body: "guillotining\n", quit: { method, path, code } };
}

// RFC 3986 host (IP literal or reg-name, IPv4 included), an optional port.
const HOST =
  /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::(\d*))?$/;

/** What is wrong with a Host header (RFC 9112: a 400), or null. */
export function hostFault(host: string | null): string | null {
  if (host === null) return "missing Host header (HTTP/1.1 requires one)";
  const match = HOST.exec(host);
  if (match && Number(match[1] ?? 0) <= 65535) return null;
  const shown = host.length > 60 ? `${host.slice(0, 60)}...` : host;
  return `malformed Host header ${JSON.stringify(shown)}`;
}

/** Starts listening; `onQuit` hears each quit request. Throws (125). */
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
    // Deno's URL is "http://" + Host + the target's path and query: read as
    // is, never by new URL(), which throws on what a client can put there.
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
    let body = `guillotining, exit code ${exitCode}\n`;
    if (verdict.first) log.info("quit requested", said);
    else {
      log.info("quit request after the end was decided", {
        ...said,
        decided: verdict.reason,
        exit_code: verdict.exitCode,
      });
      const already = verdict.guillotining ? "guillotining" : "ending";
      body = `Already ${already} (${verdict.reason}), exit code ${exitCode}\n`;
    }
    return respond({ status: 200, body });
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
      ...address,
      signal: stop.signal,
      onListen: () => {}, // not Deno's "Listening on" on stderr
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
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  log.info("quit endpoint listening", { address: `${host}:${port}` });
  return {
    setHealthy: (value) => healthy = value,
    close: async () => {
      stop.abort();
      await within(server.finished, 500); // about 1 ms measured; bounded
    },
  };
}

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
