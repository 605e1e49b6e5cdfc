/**
 * `deno task mutants lib/FILE.ts...`: mutation testing of the modules named,
 * with Stryker (npm's @stryker-mutator/core) driving Deno's own tests through
 * its command test runner. Stryker changes one thing at a time in the
 * modules (a comparison flipped, a condition forced, a statement dropped),
 * runs the tests that cover them, and lists the mutants no test noticed: each
 * survivor is a behaviour nothing guards, to be killed with a test or
 * explained.
 *
 * Stryker is installed on first use into ~/.cache/guillotine-mutants (from
 * the npm registry, with the machine's Node.js and npm; 9.5 is the newest
 * that runs on Node 20). It copies the checkout into .stryker-tmp/ and runs
 * the tests there, one mutant at a time (about 10 s each for an integration
 * test file on these machines): name few modules at a time.
 *
 * @module
 */

const STRYKER = "@stryker-mutator/core@9.5.1";

/** The test files that exercise each module; others run every test. */
export const COVERING_TESTS: Readonly<Record<string, string[]>> = {
  "lib/triggers/lease.ts": ["tests/integration/lease_test.ts"],
  "lib/pid1/forwarder.ts": [
    "tests/integration/signals_test.ts",
    "tests/integration/warmup_test.ts",
  ],
  "lib/pid1/child.ts": [
    "tests/unit/child_test.ts",
    "tests/integration/stop_test.ts",
    "tests/integration/exit_codes_test.ts",
  ],
  "lib/runtime/signal_inbox.ts": ["tests/integration/signals_test.ts"],
  "lib/reports/records.ts": ["tests/integration/pair_test.ts"],
};

const ALL_TESTS = ["tests/unit", "tests/integration"];

function run(cmd: string, args: string[], cwd?: string): number {
  return new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  })
    .outputSync().code;
}

function strykerBin(): string {
  const home = Deno.env.get("HOME") ?? "/root";
  const dir = `${home}/.cache/guillotine-mutants`;
  const bin = `${dir}/node_modules/.bin/stryker`;
  try {
    Deno.statSync(bin);
  } catch {
    console.error(`mutants: installing ${STRYKER} into ${dir}`);
    Deno.mkdirSync(dir, { recursive: true });
    const code = run("npm", [
      "install",
      "--no-fund",
      "--no-audit",
      "--prefix",
      dir,
      STRYKER,
    ]);
    if (code !== 0) {
      console.error(
        `mutants: npm could not install ${STRYKER}: it needs Node.js 20 or later and the npm registry`,
      );
      Deno.exit(1);
    }
  }
  return bin;
}

if (import.meta.main) {
  const modules = Deno.args;
  if (!modules.length || modules.some((m) => !m.startsWith("lib/"))) {
    console.error(
      "usage: deno task mutants lib/FILE.ts... (paths from the repository's root)",
    );
    Deno.exit(2);
  }
  const tests = [
    ...new Set(modules.flatMap((m) => COVERING_TESTS[m] ?? ALL_TESTS)),
  ];
  const root = new URL("../", import.meta.url).pathname;
  const config = {
    testRunner: "command",
    commandRunner: {
      // No type check: Stryker's instrumented modules are not typed.
      command: `deno test -A --no-check ${tests.join(" ")}`,
    },
    mutate: modules,
    coverageAnalysis: "off",
    reporters: ["clear-text"],
    concurrency: 1,
    timeoutMS: 60_000,
    tempDirName: ".stryker-tmp",
    cleanTempDir: true,
  };
  const file = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(file, JSON.stringify(config));
  console.error(`mutants: ${modules.join(" ")} against ${tests.join(" ")}`);
  Deno.exit(run(strykerBin(), ["run", file], root));
}
