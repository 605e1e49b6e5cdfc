/** Path arithmetic for absolute POSIX paths, without loading `node:path`. */

/** `path` made absolute against `cwd`, without `.`, `..` and repeated `/`. */
export function absolutePath(path: string, cwd: string): string {
  const parts: string[] = [];
  for (const part of (path[0] === "/" ? path : `${cwd}/${path}`).split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** The directory that holds an absolute path; `/` for `/` itself. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** An option's file path, trimmed; empty or a directory by its form (`/`, `.`, `..` at the end) is refused. */
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
  if (["", ".", ".."].includes(path.slice(path.lastIndexOf("/") + 1))) {
    throw new RangeError(
      `The ${what} path "${path}" names a directory: give the path of a file in it, such as ${example}`,
    );
  }
  return path;
}
