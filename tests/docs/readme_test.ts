/**
 * The README cannot drift: its options table is the one `--help` is made
 * from, it stays short enough to read (the details live in docs/), every
 * relative link in it and in docs/ leads somewhere, and the facts corrected
 * once (one image owner placeholder, Cloud SQL Auth Proxy v2) stay corrected.
 *
 * Run: deno test -A tests/docs/readme_test.ts
 */
import assert from "node:assert/strict";
import { BEGIN, END, README, withOptionsTable } from "../../scripts/readme.ts";

const REPO = new URL("../../", import.meta.url).pathname;
// 15 KB, read the strict way (decimal), so that neither reading fails it.
const MAX_README_BYTES = 15_000;

/** The text between the options markers, markers included. */
function _optionsRegion(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  assert.ok(begin >= 0 && end > begin, `README.md needs ${BEGIN} ... ${END}`);
  return readme.slice(begin, end + END.length);
}

/** README.md and every docs/*.md, as paths from the repository root. */
function _markdownFiles(): string[] {
  const docs = [...Deno.readDirSync(`${REPO}docs`)]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** Markdown without its fenced code blocks. */
function _withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** Markdown without code, fenced or inline, where no link lives. */
function _prose(markdown: string): string {
  return _withoutFences(markdown).replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchors for a Markdown file's headings. */
function _anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (
    const [, text] of _withoutFences(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)
  ) {
    const base = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replaceAll(" ", "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

/** Link targets in a Markdown file: inline links, images, definitions. */
function _linkTargets(markdown: string): string[] {
  const prose = _prose(markdown);
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]);
  const defined = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)/gm)]
    .map((m) => m[1]);
  return [...inline, ...defined];
}

/** Relative links that lead nowhere: a missing file, or a missing heading. */
function _brokenLinks(file: string): string[] {
  const text = Deno.readTextFileSync(`${REPO}${file}`);
  const dir = file.includes("/")
    ? file.slice(0, file.lastIndexOf("/") + 1)
    : "";
  const broken: string[] = [];
  for (const target of _linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split("#", 2);
    const resolved = path ? new URL(path, `file://${REPO}${dir}`).pathname : "";
    let content = text;
    if (path) {
      try {
        const info = Deno.statSync(resolved);
        if (!info.isFile || !resolved.endsWith(".md")) continue;
        content = Deno.readTextFileSync(resolved);
      } catch {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
    }
    if (anchor && !_anchors(content).has(anchor)) {
      broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  return broken;
}

Deno.test("README: the options table is the one --help is made from", async () => {
  const readme = await Deno.readTextFile(README);
  assert.equal(
    _optionsRegion(readme),
    _optionsRegion(withOptionsTable(readme)),
    "README.md's options table differs from optionsTable() in lib/options/help.ts: run `deno task readme`",
  );
});

Deno.test("README: at most 15 KB, the details live in docs/", async () => {
  const bytes = (await Deno.readFile(README)).length;
  assert.ok(
    bytes <= MAX_README_BYTES,
    `README.md is ${bytes} bytes, over ${MAX_README_BYTES}: move details to docs/`,
  );
});

Deno.test("README and docs: every relative link leads to a file and heading that exist", () => {
  const broken = _markdownFiles().flatMap(_brokenLinks);
  assert.deepEqual(broken, [], "broken relative links");
  const relative = _linkTargets(Deno.readTextFileSync(README)).filter((t) =>
    !/^[a-z][a-z0-9+.-]*:/i.test(t)
  );
  assert.ok(relative.length >= 5, `only ${relative.length} links found`);
});

Deno.test("README and docs: the link check finds what is broken", () => {
  // Guards the test above against a pattern that silently matches nothing.
  const links = _linkTargets(
    "[a](docs/x.md#y) ![b](img.svg) `[c](code.md)`\n\n[d]: ../e.md\n" +
      "```\n[f](fenced.md)\n```\n",
  );
  assert.deepEqual(links, ["docs/x.md#y", "img.svg", "../e.md"]);
  assert.deepEqual(
    [..._anchors("# Exit codes\n## The `--listen` dialect\n# Exit codes\n")],
    ["exit-codes", "the---listen-dialect", "exit-codes-1"],
  );
});

Deno.test("README, docs and examples: one image owner placeholder, Cloud SQL Auth Proxy v2", async () => {
  const files = [
    ..._markdownFiles(),
    "Dockerfile.scratch",
    ...[...Deno.readDirSync(`${REPO}examples`)].map((e) =>
      `examples/${e.name}`
    ),
  ];
  const problems: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(`${REPO}${file}`);
    for (const [, owner] of text.matchAll(/ghcr\.io\/([^/\s]+)\/guillotine/g)) {
      if (owner !== "OWNER") problems.push(`${file}: ghcr.io/${owner}/`);
    }
    // v1's binary and flags; v2 is /cloud-sql-proxy --unix-socket DIR.
    for (
      const v1 of text.match(/cloud_sql_proxy|\s-projects\b|gce-proxy/g) ?? []
    ) {
      problems.push(`${file}: Cloud SQL Proxy v1 (${v1})`);
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("README: its test command is the one CI runs", () => {
  const readme = Deno.readTextFileSync(`${REPO}README.md`);
  const ci = Deno.readTextFileSync(`${REPO}.ci/run`);
  const setup = readme.slice(readme.indexOf("## Development"));
  const command = /^(deno task test)\b/m.exec(
    setup.slice(setup.indexOf("```sh")),
  )?.[1];
  assert.ok(command, "the README's set-up names no test command");
  assert.match(ci, new RegExp(`^${command}$`, "m"), ".ci/run runs another");
});
