/**
 * What a process writes on one stream, kept whole as it comes: waited on by
 * pattern (tests) or read line by line (the benchmark's fixtures print one
 * word and numbers a line). Waiting wakes on each chunk, it does not poll.
 *
 * @module
 */

/** One output stream of a process, read to its end in the background. */
export class Output {
  #text = "";
  #ended = false;
  #changed = Promise.withResolvers<void>();
  /** Where line reading stands. */
  #cursor = 0;
  /** The start of a line not yet given to `onLine`. */
  #partial = "";
  readonly #what: string;
  readonly #onLine?: (line: string) => void;

  /**
   * Reads `stream` to its end.
   *
   * @param what Names the stream in error messages ("guillotine's stdout").
   * @param onLine Called with each complete line as it arrives.
   */
  constructor(
    stream: ReadableStream<Uint8Array>,
    what: string,
    onLine?: (line: string) => void,
  ) {
    this.#what = what;
    this.#onLine = onLine;
    this.done = this.#read(stream);
  }

  /** Resolves once the stream has ended. */
  readonly done: Promise<void>;

  /** Everything written so far. */
  get text(): string {
    return this.#text;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#add(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // The stream ends with the process.
    }
    this.#add(decoder.decode());
    if (this.#partial) this.#onLine?.(this.#partial);
    this.#ended = true;
    this.#changed.resolve();
  }

  #add(chunk: string): void {
    if (!chunk) return;
    this.#text += chunk;
    if (this.#onLine) {
      const lines = (this.#partial + chunk).split("\n");
      this.#partial = lines.pop()!;
      for (const line of lines) this.#onLine(line);
    }
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }

  /**
   * Waits until `find(text)` gives a value (anything but null or undefined).
   *
   * @returns That value.
   * @throws {Error} When the stream ends without it, or after `timeoutMs`,
   *   with what was awaited and what the stream holds.
   */
  async waitFor<T>(
    find: (text: string, ended: boolean) => T | null | undefined,
    what: string,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ended = this.#ended;
      const found = find(this.#text, ended);
      if (found !== null && found !== undefined) return found;
      const left = deadline - Date.now();
      if (ended || left <= 0) {
        throw new Error(
          `${
            ended ? `${this.#what} ended` : `Timed out after ${timeoutMs} ms`
          } waiting for ${what}; ${this.#what} so far: ${
            JSON.stringify(this.#text.slice(-4000))
          }`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => timer = setTimeout(resolve, left)),
      ]);
      clearTimeout(timer);
    }
  }

  /** Waits until the text matches `pattern`. */
  match(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return this.waitFor(
      (text) => text.match(pattern),
      `a match of ${pattern}`,
      timeoutMs,
    );
  }

  /**
   * The next unread line, without its newline.
   *
   * @returns The line, or null once the stream has ended and all is read.
   * @throws {Error} When no line comes within `timeoutMs`.
   */
  async nextLine(timeoutMs = 10_000): Promise<string | null> {
    const { end, newline } = await this.waitFor(
      (text, ended) => {
        const at = text.indexOf("\n", this.#cursor);
        if (at >= 0) return { end: at, newline: true };
        return ended ? { end: text.length, newline: false } : null;
      },
      "a line",
      timeoutMs,
    );
    if (!newline && end <= this.#cursor) return null;
    const line = this.#text.slice(this.#cursor, end);
    this.#cursor = end + 1;
    return line;
  }

  /**
   * The next unread line, which must start with `word`.
   *
   * @returns The words after `word`.
   * @throws {Error} On another line, the end of the stream or a timeout.
   */
  async expectLine(word: string, timeoutMs = 10_000): Promise<string[]> {
    const line = await this.nextLine(timeoutMs);
    const words = line?.split(" ") ?? [];
    if (words[0] !== word) {
      throw new Error(
        `Expected "${word}" from ${this.#what}, got ${JSON.stringify(line)}`,
      );
    }
    return words.slice(1);
  }

  /**
   * Skips unread lines until one starts with `word`.
   *
   * @returns The words after `word`.
   * @throws {Error} At the end of the stream or on a timeout.
   */
  async skipToLine(word: string, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.nextLine(Math.max(0, deadline - Date.now()));
      if (line === null) {
        throw new Error(`No "${word}" line from ${this.#what}`);
      }
      const words = line.split(" ");
      if (words[0] === word) return words.slice(1);
    }
  }
}
