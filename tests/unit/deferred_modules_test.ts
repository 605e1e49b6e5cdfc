// The child starts first (issue #19): what only the phase after the spawn
// needs (the file watch and its inotify, the lease watch and its locks, the
// quit endpoint, the restart policy's record watch) is loaded after the spawn,
// by dynamic import, so that loading it does not delay the child.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { ROOT } from "../harness/mod.ts";

/** The value imports of a module (not `import type`, not `import()`). */
function staticImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const statement =
    /^(?:import|export)\s+(?!type\b)(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/gm;
  return [...code.matchAll(statement)].map((match) => match[1]);
}

/** Every module reached from `roots` by static value imports. */
function loadedBeforeTheChild(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const spec of staticImports(Deno.readTextFileSync(path))) {
      if (spec.startsWith(".")) visit(join(dirname(path), spec));
    }
  };
  for (const root of roots) visit(`${ROOT}${root}`);
  return new Set([...seen].map((p) => relative(ROOT, p)));
}

const AFTER_THE_SPAWN = [
  "lib/triggers/arm.ts",
  "lib/triggers/watcher.ts",
  "lib/triggers/lease.ts",
  "lib/triggers/endpoint.ts",
  "lib/sys/inotify.ts",
  "lib/sys/flock.ts",
  "lib/run/restarts.ts",
  "lib/sys/mountinfo.ts",
];

Deno.test("the modules of the phase after the spawn are not loaded before the child", () => {
  const loaded = loadedBeforeTheChild(["main.ts", "lib/run/cli.ts"]);
  assert.ok(loaded.has("lib/run/supervisor.ts"), [...loaded].join(" "));
  assert.ok(loaded.has("lib/triggers/watch_paths.ts"), [...loaded].join(" "));
  assert.deepEqual(AFTER_THE_SPAWN.filter((m) => loaded.has(m)), []);
});
