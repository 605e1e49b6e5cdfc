/**
 * Issue #17, items 6-8: the examples work when copied (the proxy's socket is
 * awaited, PGHOST is set), the OnFailure example tells guillotine the Pod's
 * policy on both sides, and the README states what the sidecar pays.
 *
 * Run: deno test -A tests/docs/kubernetes_docs_test.ts
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseOptions } from "../../lib/options/parse.ts";
import type { Config } from "../../lib/options/config.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(`${REPO}${path}`);
// deno-lint-ignore no-explicit-any
type Yaml = any;

/** A container's guillotine configuration, as guillotine reads it. */
function guillotineOf(container: Yaml): Config {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  assert.equal(argv[0], "/guillotine", `${container.name} runs guillotine`);
  const env = Object.fromEntries(
    (container.env ?? []).filter((e: Yaml) => "value" in e)
      .map((e: Yaml) => [e.name, String(e.value)]),
  );
  const request = parseOptions(argv.slice(1).map(String), env);
  assert.ok(request.kind === "run");
  return request.config;
}

Deno.test("README: states the sidecar's costs and links the measurements", () => {
  const readme = read("README.md").replace(/\s+/g, " ");
  const at = readme.indexOf("What the sidecar pays");
  assert.ok(at >= 0, "a 'What the sidecar pays' passage");
  const costs = readme.slice(at, at + 400);
  assert.match(costs, /about \d+ MB of resident memory \(tini: 1\.3 MB\)/);
  assert.match(costs, /\d+ threads/);
  assert.match(costs, /binary of about \d+-\d+ MB/);
  assert.match(costs, /\(docs\/benchmarks\.md\)/);
});

Deno.test("README: the first snippet waits for the proxy's socket; the full pattern sets PGHOST", () => {
  const readme = read("README.md");
  const blocks = [...readme.matchAll(/```yaml\n([^]*?)```/g)].map((m) =>
    parse(m[1])
  );
  const first = blocks[0].containers[0];
  const script = first.command.at(-1);
  assert.match(script, /until \[ -S "\$PGHOST\/\.s\.PGSQL\.5432" \]/);
  assert.ok(script.indexOf("until") < script.indexOf("psql"));
  const full = blocks[1];
  const job = full.find((c: Yaml) => c.name === "job");
  assert.ok(job.env.some((e: Yaml) => e.name === "PGHOST"), "PGHOST");
  assert.ok(
    guillotineOf(job).waitFor.some((g) =>
      g.text === `unix:${job.env[0].value}/.s.PGSQL.5432`
    ),
    "the main side waits for the socket PGHOST names",
  );
  assert.match(readme, /--quit-url "\$CSQL_PROXY_QUIT_URLS"/);
  assert.match(readme, /\(docs\/kubernetes\.md\)/);
});

Deno.test("examples/helm-hook-job.yaml waits for the proxy's socket, and says its Secret must exist first", () => {
  const text = read("examples/helm-hook-job.yaml");
  const pod = parse(text).spec.template.spec;
  const proxy = pod.containers.find((c: Yaml) => c.name === "cloud-sql-proxy");
  const dir = proxy.command[proxy.command.indexOf("--unix-socket") + 1];
  const migrate = pod.containers.find((c: Yaml) => c.name === "migrate");
  const script: string = migrate.command.at(-1);
  const wait = script.match(/until \[ -S "\$socket" \]/);
  assert.ok(wait, "a loop until the socket exists");
  assert.match(
    script,
    new RegExp(
      `socket="${dir}/\\{\\{ \\.Values\\.cloudSql\\.instance \\}\\}/\\.s\\.PGSQL\\.5432"`,
    ),
  );
  assert.ok(script.indexOf("until") < script.indexOf("./migrate up"));
  assert.match(text.replace(/\s*#\s*/g, " "), /Secret .* must exist first/);
});

Deno.test("examples/onfailure-job.yaml tells both sides the Pod's restartPolicy", () => {
  const pod = parse(read("examples/onfailure-job.yaml")).spec.template.spec;
  assert.equal(pod.restartPolicy, "OnFailure");
  const [main, sidecar] = pod.containers.map(guillotineOf);
  assert.equal(main.restartPolicy, "OnFailure");
  assert.equal(sidecar.restartPolicy, "OnFailure");
  assert.deepEqual(sidecar.watch, [main.notify]);
});

Deno.test("docs/kubernetes.md covers the policies, pipelines, podFailurePolicy and native sidecars", () => {
  const text = read("docs/kubernetes.md").replace(/\s+/g, " ");
  for (
    const words of [
      "## Which restart policy",
      "Argo",
      "Tekton",
      "`onExitCodes` needs `containerName`",
      "`--lost-main-exit-code` (1)",
      "is restarted by the kubelet",
    ]
  ) assert.ok(text.includes(words.replace(/\s+/g, " ")), words);
});
