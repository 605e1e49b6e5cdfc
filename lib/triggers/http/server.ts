/**
 * A small HTTP/1.1 server over `Deno.listen` that guillotine controls fully,
 * for the quit endpoint. `Deno.serve` was replaced because its only way to
 * stop waits for every request in flight: one client holding a request open
 * (a `Content-Length` it never sends) kept guillotine alive for as long as it
 * liked.
 *
 * Here no client can hold anything: each connection carries one request and
 * is closed (`Connection: close`); the request's head must come within 5 s and
 * fit in 8 KiB; its body is never read, only drained for at most 1 s after
 * the answer; at most 256 connections are open at once (a new one closes the
 * oldest); and `close()` stops listening and cuts every connection at once.
 * Clients' faults get a 4xx; an unexpected error gets a 500 and one log line.
 *
 * @module
 */

import {
  findHeadEnd,
  formatResponse,
  HttpFault,
  leadingBlankBytes,
  MAX_HEAD_BYTES,
  parseRequestHead,
  type Reply,
  type RequestHead,
} from "./head.ts";
import type { Logger } from "../../log/logger.ts";

const HEAD_TIMEOUT_MS = 5000;
/** For the answer, then to drain what the client still sends. */
const LINGER_MS = 1000;
const MAX_DRAIN_BYTES = 64 * 1024;
const MAX_CONNECTIONS = 256;

/**
 * Answers one well-formed request. `sent`, when given, is called once the
 * reply was written, or could not be.
 */
export type Handler = (
  request: RequestHead,
) => { reply: Reply; sent?: () => void };

/** A running server. */
export interface HttpServer {
  /** Stops listening and cuts every open connection at once. */
  close(): void;
}

/**
 * Serves `listener` with `handle` until closed. (The example needs
 * `--allow-net`; tests/unit/http_server_test.ts runs the like.)
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { serveHttp } from "./server.ts";
 * const log = { error() {}, warn() {}, info() {}, debug() {} };
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = serveHttp(listener, () => ({ reply: { status: 200, body: "ok\n" } }), log);
 * const response = await fetch(`http://127.0.0.1:${listener.addr.port}/`);
 * assert.equal(await response.text(), "ok\n");
 * server.close();
 * ```
 */
export function serveHttp(
  listener: Deno.Listener,
  handle: Handler,
  log: Logger,
): HttpServer {
  const server = new Server(listener, handle, log);
  server.accept();
  return server;
}

const EXPIRED = Symbol("expired");
type Expired = typeof EXPIRED;
type Timer = ReturnType<typeof timer>;

class Server implements HttpServer {
  readonly #listener: Deno.Listener;
  readonly #handle: Handler;
  readonly #log: Logger;
  /** Oldest first. */
  readonly #open = new Set<Deno.Conn>();
  readonly #reported = new Set<string>();
  #closed = false;
  #full = false;

  constructor(listener: Deno.Listener, handle: Handler, log: Logger) {
    this.#listener = listener;
    this.#handle = handle;
    this.#log = log;
  }

  async accept(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        // Out of file descriptors, say: report it, and try again soon.
        this.#unexpected(error);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (this.#closed) return closeQuietly(conn);
      if (this.#open.size >= MAX_CONNECTIONS) {
        const oldest = this.#open.values().next().value!;
        this.#open.delete(oldest);
        closeQuietly(oldest);
        if (!this.#full) {
          this.#full = true;
          this.#log.warn(
            `endpoint: more than ${MAX_CONNECTIONS} connections at once: closing the oldest`,
          );
        }
      }
      this.#open.add(conn);
      this.#serve(conn).finally(() => {
        this.#open.delete(conn);
        closeQuietly(conn);
      });
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#listener);
    for (const conn of this.#open) closeQuietly(conn);
    this.#open.clear();
  }

  /** One request and its answer, then a short drain. */
  async #serve(conn: Deno.Conn): Promise<void> {
    const headTimer = timer(HEAD_TIMEOUT_MS);
    let lingerTimer: Timer | null = null;
    try {
      const head = await readHead(conn, headTimer.expired);
      if (head === null) return;
      const { reply, sent, headOnly } = this.#reply(head);
      lingerTimer = timer(LINGER_MS);
      let written: void | Expired;
      try {
        written = await within(
          writeAll(conn, formatResponse(reply, headOnly)),
          lingerTimer.expired,
        );
      } finally {
        sent?.();
      }
      if (written !== EXPIRED) await linger(conn, lingerTimer.expired);
    } catch (error) {
      if (!isConnectionError(error)) this.#unexpected(error);
    } finally {
      headTimer.cancel();
      lingerTimer?.cancel();
    }
  }

  #reply(
    head: string | HttpFault,
  ): { reply: Reply; sent?: () => void; headOnly: boolean } {
    try {
      if (head instanceof HttpFault) throw head;
      const request = parseRequestHead(head);
      return { ...this.#handle(request), headOnly: request.method === "HEAD" };
    } catch (error) {
      if (!(error instanceof HttpFault)) this.#unexpected(error);
      const { status, message } = error instanceof HttpFault
        ? error
        : { status: 500, message: "Internal error (logged)" };
      this.#log.debug("endpoint: request refused", { status, why: message });
      return { reply: { status, body: `${message}\n` }, headOnly: false };
    }
  }

  /** Logs each distinct unexpected error once; repeats at debug level. */
  #unexpected(error: unknown): void {
    const text = error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    if (this.#reported.has(text)) {
      this.#log.debug("endpoint: unexpected error again", { error: text });
      return;
    }
    if (this.#reported.size < 100) this.#reported.add(text);
    this.#log.error("endpoint: unexpected error", { error: text });
  }
}

/**
 * Reads up to the end of a request's head.
 *
 * @returns The head (one character a byte), a fault to answer, or null when
 *   there is nothing to answer (closed, or silent until the deadline).
 */
async function readHead(
  conn: Deno.Conn,
  expired: Promise<Expired>,
): Promise<string | HttpFault | null> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      return new HttpFault(431, `Request head over ${MAX_HEAD_BYTES} bytes`);
    }
    const read = await within(conn.read(buffer.subarray(length)), expired);
    if (read === null || read === EXPIRED) {
      if (length === 0) return null;
      return read === null
        ? new HttpFault(400, "Request head cut short: the connection closed")
        : new HttpFault(
          408,
          `Request head not complete within ${HEAD_TIMEOUT_MS / 1000}s`,
        );
    }
    const before = length;
    length += read;
    const blank = leadingBlankBytes(buffer, length);
    if (blank) {
      buffer.copyWithin(0, blank, length);
      length -= blank;
    }
    const from = blank ? 0 : Math.max(0, before - 3);
    const end = findHeadEnd(buffer, from, length);
    if (end >= 0) return String.fromCharCode(...buffer.subarray(0, end));
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/**
 * Ends the answer, then reads and drops what the client still sends, for a
 * while: closing a socket with unread data makes the kernel send a reset,
 * which can destroy the answer before the client reads it.
 */
async function linger(
  conn: Deno.Conn,
  expired: Promise<Expired>,
): Promise<void> {
  await conn.closeWrite();
  const sink = new Uint8Array(4096);
  for (let drained = 0; drained < MAX_DRAIN_BYTES;) {
    const read = await within(conn.read(sink), expired);
    if (read === null || read === EXPIRED) return;
    drained += read;
  }
}

function timer(ms: number): { expired: Promise<Expired>; cancel(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<Expired>((resolve) => {
    id = setTimeout(() => resolve(EXPIRED), ms);
  });
  return { expired, cancel: () => clearTimeout(id) };
}

/** The work's result, or EXPIRED; work still pending then fails unheard. */
async function within<T>(
  work: Promise<T>,
  expired: Promise<Expired>,
): Promise<T | Expired> {
  const result = await Promise.race([work, expired]);
  if (result === EXPIRED) work.catch(() => {});
  return result;
}

/** Errors that a client (or our own close) causes: not worth a line. */
function isConnectionError(error: unknown): boolean {
  const { errors } = Deno;
  return [
    errors.BadResource,
    errors.Interrupted,
    errors.ConnectionReset,
    errors.ConnectionAborted,
    errors.BrokenPipe,
    errors.NotConnected,
    errors.UnexpectedEof,
    errors.TimedOut,
  ].some((kind) => error instanceof kind);
}

function closeQuietly(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // Closed already.
  }
}
