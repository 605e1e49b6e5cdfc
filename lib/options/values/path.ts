/**
 * Path arithmetic for absolute POSIX paths, without loading `node:path`.
 *
 * @module
 */

/**
 * Makes a path absolute against `cwd` and removes `.`, `..` and repeated `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { absolutePath } from "./path.ts";
 * assert.equal(absolutePath("b/../c", "/a"), "/a/c");
 * ```
 */
export function absolutePath(path: string, cwd: string): string {
  const parts: string[] = [];
  for (
    const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")
  ) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * The directory that holds an absolute path; `/` for `/` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parentOf } from "./path.ts";
 * assert.equal(parentOf("/share/done"), "/share");
 * assert.equal(parentOf("/done"), "/");
 * ```
 */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/**
 * Checks a path given as an option's value: surrounding whitespace (a YAML
 * block scalar's newline) is dropped; empty, and a trailing slash (a
 * directory, where guillotine wants a file), are errors.
 *
 * @param what What the path is, for the message ("watched file").
 * @param example A path that would do, for the message.
 * @throws {RangeError} Naming the problem and the way out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFilePath } from "./path.ts";
 * assert.equal(parseFilePath("record", "/share/done", " /share/done\n"), "/share/done");
 * assert.throws(() => parseFilePath("record", "/share/done", "/share/"), RangeError);
 * ```
 */
export function parseFilePath(
  what: string,
  example: string,
  text: string,
): string {
  const path = text.trim();
  if (path === "") {
    throw new RangeError(
      `The ${what} path is empty: give a path such as ${example}`,
    );
  }
  const last = path.slice(path.lastIndexOf("/") + 1);
  if (last === "" || last === "." || last === "..") {
    throw new RangeError(
      `The ${what} path "${path}" names a directory: give the path of a file in it, such as ${example}`,
    );
  }
  return path;
}
