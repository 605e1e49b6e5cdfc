// The folders of lib/ are layers: each module imports only from its own
// folder or from a lower one (docs/architecture.md draws them), and lib/ has
// at most eight entries, so that the tree is the first page of the design.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const LIB = fileURLToPath(new URL("../../lib/", import.meta.url));

/** Lowest first: a module may import from its own floor or a lower one. */
export const FLOORS: Readonly<Record<string, number>> = {
  sys: 0,
  runtime: 0,
  log: 1,
  options: 2,
  pid1: 3,
  triggers: 4,
  reports: 5,
  run: 6,
};

function* modules(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* modules(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function floorOf(path: string): string {
  return relative(LIB, path).split("/")[0];
}

/** The relative imports of a module, outside its JSDoc examples. */
function importsOf(path: string): string[] {
  const code = Deno.readTextFileSync(path).replace(/\/\*\*[\s\S]*?\*\//g, "");
  return [...code.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)]
    .map((m) => join(dirname(path), m[1]));
}

Deno.test("lib/ has at most eight entries, each a known layer", () => {
  const entries = [...Deno.readDirSync(LIB)].map((e) => e.name).sort();
  assert.ok(entries.length <= 8, `lib/ holds ${entries.join(", ")}`);
  for (const name of entries) {
    assert.ok(name in FLOORS, `lib/${name} is not one of the layers`);
  }
});

Deno.test("no module of lib/ imports from a higher layer", () => {
  const upward: string[] = [];
  for (const path of modules(LIB)) {
    const floor = FLOORS[floorOf(path)];
    for (const target of importsOf(path)) {
      if (FLOORS[floorOf(target)] > floor) {
        upward.push(`${relative(LIB, path)} -> ${relative(LIB, target)}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("docs/architecture.md names every module of lib/", () => {
  const page = Deno.readTextFileSync(
    fileURLToPath(new URL("../../docs/architecture.md", import.meta.url)),
  );
  const unnamed = [...modules(LIB)]
    .map((path) => relative(LIB, path))
    .filter((path) =>
      !page.includes(`\`${path.split("/").pop()!.slice(0, -3)}\``)
    );
  assert.deepEqual(unnamed, []);
});
