// What guillotine loads before its child starts is start-up time. Node's
// compatibility layer costs milliseconds to load (node:util alone: about 7 ms
// here), so modules that main.ts reaches through static imports use Deno's
// APIs; a node: module is imported dynamically where it is needed.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { ROOT } from "../harness/mod.ts";

/** The value imports of a module (not `import type`, not `import()`). */
function staticImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const statement =
    /^(?:import|export)\s+(?!type\b)(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/gm;
  return [...code.matchAll(statement)].map((match) => match[1]);
}

Deno.test("main.ts and lib/run/cli.ts (which it loads at once) reach no node: module through static imports", () => {
  const seen = new Set<string>();
  const offending: string[] = [];
  const visit = (path: string, from: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const spec of staticImports(Deno.readTextFileSync(path))) {
      if (spec.startsWith("node:")) offending.push(`${spec} in ${path}`);
      else if (spec.startsWith(".")) visit(join(dirname(path), spec), path);
      else offending.push(`${spec} in ${path} (from ${from})`);
    }
  };
  visit(`${ROOT}main.ts`, "");
  visit(`${ROOT}lib/run/cli.ts`, "main.ts");
  assert.ok(seen.size > 20, `only ${seen.size} modules found`);
  assert.deepEqual(offending, []);
});
