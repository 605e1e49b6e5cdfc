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
