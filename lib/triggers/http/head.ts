/**
 * The little of HTTP/1.1 (RFC 9112) that the quit endpoint needs: where a
 * request's head ends, what it says, and how an answer is written. Pure and
 * strict: whatever a client gets wrong is an {@linkcode HttpFault} with a 4xx
 * status, never an exception of another kind. Bodies are never read: every
 * answer closes the connection.
 *
 * @module
 */

/** The most a request head (request line and header fields) may take. */
export const MAX_HEAD_BYTES = 8192;

/** A request the client got wrong, with the 4xx status it earns. */
export class HttpFault extends Error {
  /** The status of the answer. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpFault";
    this.status = status;
  }
}

/** What guillotine reads from a request: its line and its Host. */
export interface RequestHead {
  method: string;
  /** As sent: `/path?query`, or an absolute URL. */
  target: string;
  /** The Host header's value, or null (allowed only for HTTP/1.0). */
  host: string | null;
}

const CR = 13;
const LF = 10;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// RFC 3986 host (IP literal, or reg-name: IPv4 addresses are reg-names too),
// then an optional port; no user info, no path.
const HOST =
  /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::(\d*))?$/;

/**
 * Counts the empty lines a client may send before its request line (RFC 9112
 * section 2.2 says to ignore them).
 */
export function leadingBlankBytes(bytes: Uint8Array, length: number): number {
  let i = 0;
  while (i < length && (bytes[i] === CR || bytes[i] === LF)) i++;
  return i;
}

/**
 * Finds the end of a request head: the index just past the empty line (CRLF
 * CRLF, or bare LFs), or -1 when it has not come yet.
 *
 * @param from Where to start looking; bytes before it were searched already.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findHeadEnd } from "./head.ts";
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY");
 * assert.equal(findHeadEnd(bytes, 0, bytes.length), bytes.length - 4);
 * assert.equal(findHeadEnd(bytes, 0, 20), -1);
 * ```
 */
export function findHeadEnd(
  bytes: Uint8Array,
  from: number,
  length: number,
): number {
  for (let i = Math.max(from, 1); i < length; i++) {
    if (bytes[i] !== LF) continue;
    if (bytes[i - 1] === LF) return i + 1;
    if (bytes[i - 1] === CR && i >= 2 && bytes[i - 2] === LF) return i + 1;
  }
  return -1;
}

/**
 * Parses a request head: the bytes up to its empty line, one character per
 * byte (latin1), with no leading empty lines.
 *
 * @throws {HttpFault} 400 for a malformed request line, header field or Host
 *   (missing in HTTP/1.1, repeated, or not a host), conflicting body lengths;
 *   400 for an HTTP version other than 1.x too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpFault, parseRequestHead } from "./head.ts";
 * assert.deepEqual(
 *   parseRequestHead("POST /quitquitquit?code=3 HTTP/1.1\r\nHost: localhost:9091\r\n\r\n"),
 *   { method: "POST", target: "/quitquitquit?code=3", host: "localhost:9091" },
 * );
 * assert.throws(
 *   () => parseRequestHead("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
 *   (e: unknown) => e instanceof HttpFault && e.status === 400,
 * );
 * ```
 */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split("\n").map((l) =>
    l.endsWith("\r") ? l.slice(0, -1) : l
  );
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const [requestLine = "", ...fieldLines] = lines;
  const parts = requestLine.split(" ");
  if (
    parts.length !== 3 || !TOKEN.test(parts[0]) ||
    !/^[\x21-\x7e]+$/.test(parts[1])
  ) {
    throw new HttpFault(400, `malformed request line ${quote(requestLine)}`);
  }
  const [method, target, version] = parts;
  const major = /^HTTP\/(\d)\.\d$/.exec(version)?.[1];
  if (major === undefined) {
    throw new HttpFault(400, `malformed HTTP version ${quote(version)}`);
  }
  if (major !== "1") {
    // A client's fault like any other: 4xx, never 5xx.
    throw new HttpFault(
      400,
      `HTTP version ${version} is not supported: use HTTP/1.1`,
    );
  }
  const fields = new Map<string, string[]>();
  for (const line of fieldLines) {
    const match = /^([^:\s]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match || !TOKEN.test(match[1]) || !FIELD_VALUE.test(match[2])) {
      throw new HttpFault(400, `malformed header field ${quote(line)}`);
    }
    const name = match[1].toLowerCase();
    fields.set(name, [...fields.get(name) ?? [], match[2]]);
  }
  checkBodyLength(fields);
  return { method, target, host: hostOf(fields, version) };
}

function hostOf(fields: Map<string, string[]>, version: string): string | null {
  const hosts = fields.get("host") ?? [];
  if (hosts.length > 1) throw new HttpFault(400, "more than one Host header");
  if (hosts.length === 0) {
    if (version === "HTTP/1.0") return null;
    throw new HttpFault(400, "missing Host header (HTTP/1.1 requires one)");
  }
  const match = HOST.exec(hosts[0]);
  if (!match || Number(match[1] ?? 0) > 65535) {
    throw new HttpFault(400, `malformed Host header ${quote(hosts[0])}`);
  }
  return hosts[0];
}

function checkBodyLength(fields: Map<string, string[]>): void {
  const lengths = (fields.get("content-length") ?? []).flatMap((v) =>
    v.split(",").map((s) => s.trim())
  );
  if (lengths.some((l) => !/^\d{1,15}$/.test(l))) {
    throw new HttpFault(
      400,
      `malformed Content-Length ${quote(lengths.join(", "))}`,
    );
  }
  if (new Set(lengths.map(Number)).size > 1) {
    throw new HttpFault(400, "conflicting Content-Length headers");
  }
  if (lengths.length && fields.has("transfer-encoding")) {
    throw new HttpFault(400, "both Content-Length and Transfer-Encoding");
  }
}

/** Quotes a client's text for a message: JSON escapes, at most 60 characters. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

/** An answer to one request. */
export interface Reply {
  status: number;
  body: string;
  /** For a 405: the methods the path accepts. */
  allow?: string;
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Writes a whole answer: plain text, never cached, and always `Connection:
 * close`, so that no connection outlives its one request.
 *
 * @param headOnly For HEAD: the same header fields, no body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatResponse } from "./head.ts";
 * const text = new TextDecoder().decode(
 *   formatResponse({ status: 405, body: "use POST\n", allow: "POST" }, false),
 * );
 * assert.match(text, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
 * assert.match(text, /\r\nAllow: POST\r\n/);
 * assert.match(text, /\r\nConnection: close\r\n\r\nuse POST\n$/);
 * ```
 */
export function formatResponse(
  answer: Reply,
  headOnly: boolean,
): Uint8Array {
  const body = new TextEncoder().encode(answer.body);
  const lines = [
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? "Unknown"}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${body.length}`,
    "Cache-Control: no-store",
    ...answer.allow ? [`Allow: ${answer.allow}`] : [],
    "Connection: close",
  ];
  const head = new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`);
  if (headOnly) return head;
  const whole = new Uint8Array(head.length + body.length);
  whole.set(head);
  whole.set(body, head.length);
  return whole;
}
