// --quit-url: the preset table, URL validation, the option and its variable.
import assert from "node:assert/strict";
import { GuillotineError } from "../../lib/runtime/errors.ts";
import { describeConfig } from "../../lib/options/describe.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import {
  FETCH_BAD_PORTS,
  parseQuitUrl,
  QUIT_PRESETS,
} from "../../lib/options/values/quit_url.ts";

/** Each proxy's documented quit endpoint (see lib/options/values/quit_url.ts). */
const DOCUMENTED = {
  istio: "http://127.0.0.1:15020/quitquitquit",
  envoy: "http://127.0.0.1:9901/quitquitquit",
  linkerd: "http://127.0.0.1:4191/shutdown",
  "cloud-sql-proxy": "http://127.0.0.1:9091/quitquitquit",
};

Deno.test("each preset is its proxy's documented loopback endpoint, by POST", () => {
  assert.deepEqual(Object.keys(QUIT_PRESETS), Object.keys(DOCUMENTED));
  for (const [name, url] of Object.entries(DOCUMENTED)) {
    assert.deepEqual(parseQuitUrl(name), { text: name, url, method: "POST" });
  }
});

Deno.test("NAME:PORT changes only the port; names ignore case", () => {
  assert.equal(
    parseQuitUrl("cloud-sql-proxy:9092").url,
    "http://127.0.0.1:9092/quitquitquit",
  );
  assert.equal(
    parseQuitUrl("linkerd:14191").url,
    "http://127.0.0.1:14191/shutdown",
  );
  assert.equal(
    parseQuitUrl(" Istio ").url,
    "http://127.0.0.1:15020/quitquitquit",
  );
  assert.equal(
    parseQuitUrl("ENVOY:15000").url,
    "http://127.0.0.1:15000/quitquitquit",
  );
  assert.equal(
    parseQuitUrl("envoy:80").url,
    "http://127.0.0.1:80/quitquitquit",
  );
});

Deno.test("URLs: http and https, kept whole, sent by POST", () => {
  assert.deepEqual(parseQuitUrl("http://127.0.0.1:8080/quit?code=3"), {
    text: "http://127.0.0.1:8080/quit?code=3",
    url: "http://127.0.0.1:8080/quit?code=3",
    method: "POST",
  });
  assert.equal(
    parseQuitUrl("https://[::1]:8443/x").url,
    "https://[::1]:8443/x",
  );
  assert.equal(parseQuitUrl("http://localhost").url, "http://localhost/");
  assert.equal(parseQuitUrl("http://[::1]:8080/quit").method, "POST");
});

Deno.test("what cannot be sent is refused at parse time, with the way out", () => {
  const cases: [string, RegExp][] = [
    [
      "",
      /Quit URL is empty: give --quit-url a URL .* or a preset: istio, envoy, linkerd, cloud-sql-proxy/,
    ],
    ["   ", /Quit URL is empty/],
    ["ftp://127.0.0.1/quit", /"ftp:\/\/127.0.0.1\/quit" is not http or https/],
    ["http://", /Cannot parse quit URL "http:\/\/"/],
    ["http://user:pw@127.0.0.1/quit", /user name or password/],
    [
      "nginx",
      /Unknown quit preset "nginx": .* one of istio, envoy, linkerd, cloud-sql-proxy/,
    ],
    [
      "127.0.0.1:15020/quitquitquit",
      /Unknown quit preset .* give a URL with http:\/\//,
    ],
    ["constructor", /Unknown quit preset "constructor"/],
    ["istio:0", /port must be from 1 to 65535/],
    ["istio:70000", /port must be from 1 to 65535/],
    ["istio:x", /Unknown quit preset "istio:x"/],
    ["http://127.0.0.1:6000/quit", /port 6000, which HTTP clients refuse/],
    ["envoy:10080", /port 10080, which HTTP clients refuse/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseQuitUrl(text), (error: Error) => {
      assert(error instanceof RangeError, text);
      assert.match(error.message, pattern, text);
      assert(!error.message.includes("\n"), "one line");
      return true;
    });
  }
  const exact: [string, string][] = [
    [
      "istio:0",
      'Cannot parse quit preset "istio:0": the port must be from 1 to 65535',
    ],
    [
      "http://a b",
      'Cannot parse quit URL "http://a b": write it whole, as http://127.0.0.1:15020/quitquitquit',
    ],
    [
      "istio:22",
      'Quit URL "istio:22" uses port 22, which HTTP clients refuse to reach (a Fetch standard "bad port"): serve the endpoint on another port',
    ],
  ];
  for (const [text, message] of exact) {
    assert.throws(() => parseQuitUrl(text), { name: "RangeError", message });
  }
});

Deno.test("--quit-url repeats; its variable is split on spaces and newlines", () => {
  const flags = parseOptions([
    "--quit-url",
    "istio",
    "--quit-url=http://127.0.0.1:8/a",
    "x",
  ], {});
  assert(flags.kind === "run");
  assert.deepEqual(flags.config.quitUrls.map((t) => t.url), [
    "http://127.0.0.1:15020/quitquitquit",
    "http://127.0.0.1:8/a",
  ]);
  assert.equal(
    describeConfig(flags.config).quit_url,
    "http://127.0.0.1:15020/quitquitquit,http://127.0.0.1:8/a",
  );
  const env = parseOptions(["x"], {
    GUILLOTINE_QUIT_URL:
      " linkerd\n\thttp://127.0.0.1:8/a,b  cloud-sql-proxy:9092\n",
  });
  assert(env.kind === "run");
  assert.deepEqual(env.config.quitUrls.map((t) => t.url), [
    "http://127.0.0.1:4191/shutdown",
    "http://127.0.0.1:8/a,b",
    "http://127.0.0.1:9092/quitquitquit",
  ]);
  const none = parseOptions(["x"], {});
  assert(none.kind === "run");
  assert.deepEqual(none.config.quitUrls, []);
  // An empty flag value (an operator's variable that is empty) is no URL.
  const empty = parseOptions(["--quit-url", "", "x"], {});
  assert(empty.kind === "run");
  assert.deepEqual(empty.config.quitUrls, []);
  assert.equal(describeConfig(none.config).quit_url, undefined);
});

Deno.test("a bad --quit-url is a 125 naming where it came from", () => {
  for (
    const [args, env, source] of [
      [["--quit-url", "ftp://a", "x"], {}, "--quit-url"],
      [["--quit-url", "nginx", "x"], {}, "--quit-url"],
      [["x"], { GUILLOTINE_QUIT_URL: "istio ftp://a" }, "GUILLOTINE_QUIT_URL"],
    ] as const
  ) {
    assert.throws(() => parseOptions(args, env), (error: Error) => {
      assert(error instanceof GuillotineError);
      assert.equal(error.exitCode, 125);
      assert(error.message.endsWith(`(from ${source})`), error.message);
      return true;
    });
  }
});

Deno.test("the bad ports are exactly those that this Deno's fetch refuses", async () => {
  const blocked = async (port: number) => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        signal: AbortSignal.timeout(500),
      });
      await response.body?.cancel();
      return false;
    } catch (error) {
      let inner = error as Error;
      while (inner.cause instanceof Error) inner = inner.cause;
      return /blocked/.test(inner.message);
    }
  };
  for (const port of FETCH_BAD_PORTS) assert(await blocked(port), `${port}`);
  for (const port of [2, 80, 4191, 6001, 9091, 9901, 10081, 15020]) {
    assert(!(await blocked(port)), `${port}`);
  }
});
