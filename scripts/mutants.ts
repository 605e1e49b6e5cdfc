/**
 * Mutation testing: `deno task mutants lib/FILE.ts...` runs StrykerJS
 * (`@stryker-mutator/core` from the npm registry) on those modules. Each
 * mutant (an operator flipped, a condition forced, a block emptied) is put
 * in a copy of the repository, and the test files that cover the modules run
 * against it; a mutant that no test notices survives, and the survivors are
 * printed with the score.
 *
 * The covering tests are the test files that import a module, and the one
 * named after it (`lease.ts`: `tests/*\/lease_test.ts`); `--tests A,B` names
 * them instead. Integration tests run guillotine from the copy, so they test
 * the mutant too (the active mutant's id goes to guillotine in its
 * environment).
 *
 * Stryker runs under Deno, not Node: it needs Node 22 or later, and Deno
 * reports itself as such. Its command test runner is built in, so no plugin
 * is loaded.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename, join, relative } from "node:path";

const STRYKER = "npm:@stryker-mutator/core@10.1.1";
const ROOT = new URL("../", import.meta.url).pathname;
const TEST_DIRS = ["tests/unit", "tests/integration"];

const USAGE =
  `Usage: deno task mutants [--tests A,B] [--concurrency N] lib/FILE.ts...

Runs StrykerJS on the modules, with the test files that cover them as its
test command, and prints the mutants that survived and the score.

  --tests A,B        the test files to run (default: those that import the
                     modules, and those named after them)
  --concurrency N    mutants tested at once (default 2)`;

/** The test files that cover `module` (a path from the repository's root). */
function coveringTests(module: string): string[] {
  const name = basename(module, ".ts");
  const found: string[] = [];
  for (const dir of TEST_DIRS) {
    for (const entry of Deno.readDirSync(join(ROOT, dir))) {
      if (!entry.isFile || !entry.name.endsWith("_test.ts")) continue;
      const file = `${dir}/${entry.name}`;
      const text = Deno.readTextFileSync(join(ROOT, file));
      if (entry.name === `${name}_test.ts` || text.includes(module)) {
        found.push(file);
      }
    }
  }
  return found;
}

function fail(message: string): never {
  console.error(`mutants: ${message}`);
  Deno.exit(2);
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    tests: { type: "string" },
    concurrency: { type: "string", default: "2" },
    help: { type: "boolean" },
  },
  allowPositionals: true,
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (!positionals.length) fail(`no module given\n${USAGE}`);
const modules = positionals.map((path) => {
  // deno task runs in the repository's root; INIT_CWD is where it was typed.
  const from = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const rel = relative(ROOT, join(from, path));
  if (!rel.startsWith("lib/") || !rel.endsWith(".ts")) {
    fail(`"${path}" is not a module under lib/`);
  }
  try {
    Deno.statSync(join(ROOT, rel));
  } catch {
    fail(`"${path}" does not exist`);
  }
  return rel;
});
const tests = values.tests
  ? values.tests.split(",").filter(Boolean)
  : [...new Set(modules.flatMap(coveringTests))].sort();
if (!tests.length) fail(`no test file covers ${modules.join(", ")}`);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  fail(`--concurrency "${values.concurrency}" is not a positive integer`);
}

const work = Deno.makeTempDirSync({ prefix: "guillotine-mutants-" });
// Reachable by all, as the sandboxes in it (see buildCommand).
Deno.chmodSync(work, 0o755);
const config = {
  testRunner: "command",
  // --no-check: a mutant that does not type-check still runs, and is caught
  // (or not) by what it does. --fail-fast: the first failure kills it.
  commandRunner: {
    command: `deno test -A --no-check --fail-fast ${tests.join(" ")}`,
  },
  // Stryker makes each sandbox 0700 (mkdtemp): some tests run guillotine as
  // another user (nobody), who must reach the copy.
  buildCommand: "chmod a+rx .",
  mutate: modules,
  coverageAnalysis: "off",
  concurrency,
  reporters: ["clear-text", "progress"],
  clearTextReporter: { reportMutants: true, reportScoreTable: true },
  tempDirName: join(work, "sandboxes"),
  ignorePatterns: ["dist", "node_modules", ".git"],
  plugins: [],
};
const configFile = join(work, "stryker.config.json");
Deno.writeTextFileSync(configFile, JSON.stringify(config, null, 2));
console.error(`mutants: ${modules.join(", ")}, tested by ${tests.join(", ")}`);
try {
  const { code } = await new Deno.Command(Deno.execPath(), {
    // No config, no lock: Stryker's packages stay out of deno.lock.
    args: ["run", "-A", "--no-config", "--no-lock", STRYKER, "run", configFile],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exitCode = code;
} finally {
  Deno.removeSync(work, { recursive: true });
}
