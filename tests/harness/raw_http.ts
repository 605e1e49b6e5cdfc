/**
 * Raw HTTP for the endpoint's tests: bytes in, bytes out, bounded.
 *
 * @module
 */

/**
 * Sends `text` (one byte a character) on a fresh connection and reads what
 * comes back until the server closes, the first response is whole (its head
 * and its `Content-Length` body: the server may keep the connection), or
 * `timeoutMs` passes.
 */
export async function exchange(
  port: number,
  text: string,
  timeoutMs = 3000,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => closeQuietly(conn), timeoutMs);
  const chunks: Uint8Array[] = [];
  try {
    // The server may answer and close before all of a long request is sent.
    const writing = conn.write(latin1(text)).catch(() => 0);
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      if (isWhole(concat(chunks))) break;
    }
    await writing;
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
  return new TextDecoder().decode(concat(chunks));
}

/** Whether `bytes` hold a response's head and all of its body. */
function isWhole(bytes: Uint8Array): boolean {
  const text = new TextDecoder("latin1").decode(bytes);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && text.length - end - 4 >= Number(length[1]);
}

/** The status code of a raw response, or null when there was none. */
export function statusOf(response: string): number | null {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  return match ? Number(match[1]) : null;
}

/** One byte a character, as HTTP heads are written. */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
}

/** Closes a connection that may be closed already. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
