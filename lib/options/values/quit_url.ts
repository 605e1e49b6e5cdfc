/**
 * Quit URLs as users write them (`--quit-url`): an http:// or https:// URL,
 * or the name of a proxy whose quit endpoint guillotine knows, with an
 * optional port (`istio`, `cloud-sql-proxy:9092`).
 *
 * Each preset is the proxy's documented loopback address, port, path and
 * method, checked against its own source:
 *
 * - `istio`: pilot-agent's status server, port 15020; `handleQuit` answers
 *   POST only, from localhost only (istio/istio,
 *   pilot/cmd/pilot-agent/status/server.go; the port is the sidecar's
 *   telemetry port in istio.io's "Securing Prometheus Scraping").
 * - `envoy`: the admin interface's `/quitquitquit`; "All mutations must be
 *   sent as HTTP POST" (envoyproxy.io, operations/admin). Envoy has no
 *   default admin port: 9901 is the documentation's example, so give yours.
 * - `linkerd`: linkerd2-proxy's admin server, `DEFAULT_ADMIN_LISTEN_ADDR`
 *   127.0.0.1:4191 (linkerd/app/src/env.rs); `/shutdown` answers POST only,
 *   from loopback only (linkerd/app/admin/src/server.rs), and only when the
 *   endpoint is enabled (`LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED`, the
 *   `config.linkerd.io/proxy-admin-shutdown: enabled` annotation).
 * - `cloud-sql-proxy`: Cloud SQL Auth Proxy v2's localhost admin server,
 *   `--admin-port` default 9091; `/quitquitquit` takes GET or POST, and
 *   exists only with the proxy's `--quitquitquit` flag
 *   (GoogleCloudPlatform/cloud-sql-proxy, cmd/root.go).
 *
 * @module
 */

/** Where and how a quit request goes. */
export interface QuitTarget {
  /** What the user wrote, for the start-up log. */
  text: string;
  /** The full URL. */
  url: string;
  method: "POST";
}

/** A proxy's own quit endpoint, on the loopback. */
export interface QuitPreset {
  port: number;
  path: string;
  method: "POST";
  /** What the proxy needs for the endpoint to exist, for the docs. */
  needs: string;
}

/** The presets by name, as `--quit-url` takes them. */
export const QUIT_PRESETS: Readonly<Record<string, QuitPreset>> = {
  istio: {
    port: 15020,
    path: "/quitquitquit",
    method: "POST",
    needs: "nothing: pilot-agent serves it on its status port",
  },
  envoy: {
    port: 9901,
    path: "/quitquitquit",
    method: "POST",
    needs: "an admin listener on 127.0.0.1; give its port (envoy:PORT)",
  },
  linkerd: {
    port: 4191,
    path: "/shutdown",
    method: "POST",
    needs:
      "the shutdown endpoint enabled (config.linkerd.io/proxy-admin-shutdown: enabled)",
  },
  "cloud-sql-proxy": {
    port: 9091,
    path: "/quitquitquit",
    method: "POST",
    needs: "the proxy's --quitquitquit flag",
  },
};

const NAMES = Object.keys(QUIT_PRESETS).join(", ");

/**
 * The ports that fetch refuses to reach (the Fetch standard's "bad ports";
 * Deno 2.9 blocks exactly these), so that such a quit URL fails at start-up
 * rather than at the end.
 */
// deno-fmt-ignore
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79,
  87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135,
  137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531,
  532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720,
  1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

function checkPort(text: string, port: number): void {
  if (FETCH_BAD_PORTS.has(port)) {
    throw new RangeError(
      `Quit URL "${text}" uses port ${port}, which HTTP clients refuse to reach (a Fetch standard "bad port"): serve the endpoint on another port`,
    );
  }
}

/**
 * Parses a quit URL or a preset (`NAME` or `NAME:PORT`).
 *
 * @param text What the user wrote.
 * @returns The request to send.
 * @throws {RangeError} For an empty value, a URL that is not http or https
 *   or carries credentials, an unknown preset, or a bad port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQuitUrl } from "./quit_url.ts";
 *
 * assert.equal(parseQuitUrl("istio").url, "http://127.0.0.1:15020/quitquitquit");
 * assert.equal(
 *   parseQuitUrl("cloud-sql-proxy:9092").url,
 *   "http://127.0.0.1:9092/quitquitquit",
 * );
 * assert.equal(parseQuitUrl("http://[::1]:8080/quit").method, "POST");
 * assert.throws(() => parseQuitUrl("ftp://host/quit"), RangeError);
 * assert.throws(() => parseQuitUrl("nginx"), /istio, envoy, linkerd/);
 * ```
 */
export function parseQuitUrl(text: string): QuitTarget {
  const trimmed = text.trim();
  if (trimmed === "") {
    throw new RangeError(
      `Quit URL is empty: give --quit-url a URL such as http://127.0.0.1:15020/quitquitquit, or a preset: ${NAMES}`,
    );
  }
  return trimmed.includes("://") ? fromUrl(trimmed) : fromPreset(trimmed);
}

function fromUrl(text: string): QuitTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(
      `Cannot parse quit URL "${text}": write it whole, as http://127.0.0.1:15020/quitquitquit`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(
      `Quit URL "${text}" is not http or https: guillotine sends an HTTP request, so use http:// or https://`,
    );
  }
  if (url.username || url.password) {
    throw new RangeError(
      `Quit URL "${text}" holds a user name or password, which HTTP clients refuse to send: remove them`,
    );
  }
  checkPort(text, Number(url.port || (url.protocol === "https:" ? 443 : 80)));
  return { text, url: url.href, method: "POST" };
}

function fromPreset(text: string): QuitTarget {
  const match = /^([a-z-]+)(?::(\d{1,5}))?$/i.exec(text);
  const name = match?.[1].toLowerCase() ?? "";
  const preset = Object.hasOwn(QUIT_PRESETS, name)
    ? QUIT_PRESETS[name]
    : undefined;
  if (!match || !preset) {
    throw new RangeError(
      `Unknown quit preset "${text}": give a URL with http:// or https://, or one of ${NAMES} (NAME:PORT changes the port)`,
    );
  }
  const port = match[2] === undefined ? preset.port : Number(match[2]);
  if (port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot parse quit preset "${text}": the port must be from 1 to 65535`,
    );
  }
  checkPort(text, port);
  return {
    text,
    url: `http://127.0.0.1:${port}${preset.path}`,
    method: preset.method,
  };
}
