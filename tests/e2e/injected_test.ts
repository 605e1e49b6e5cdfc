/**
 * End-to-end test of examples/injected-sidecar-job.yaml, played by `podman
 * kube play` as a new user's cluster would run it, with one stand-in: where
 * Istio's webhook would inject istio-proxy, a container that serves POST
 * /quitquitquit on the Pod's loopback where the job's quit URL points
 * (guillotine --listen around a sleeping busybox). The job's guillotine runs
 * with the options the example gives it; its work, a shell script, fails
 * with 3. The Pod must complete: the job exits 3, having asked the proxy to
 * quit, and the proxy exits 0 because it was asked.
 *
 * Needs root, podman and a static busybox, which `scripts/setup.sh`
 * installs. It fails, never skips, when one is missing.
 *
 * Run: deno test -A tests/e2e/injected_test.ts
 */
import assert from "node:assert/strict";
import {
  INJECTED_MANIFEST,
  INJECTED_PROXY,
  loadManifest,
  renderInjectedPod,
} from "./manifest.ts";
import { buildImages, PlayedPod } from "./pod.ts";

/** Ample for a Pod that starts in ~2 s. */
const POD_EXIT_TIMEOUT_MS = 25_000;
const JOB = await loadManifest(INJECTED_MANIFEST);
/** The main container's name in the example. */
const MAIN = JOB.spec.template.spec.containers[0].name;

/**
 * The job's work: wait until the proxy is up (what Istio's
 * holdApplicationUntilProxyStarts does in a cluster; the stand-in's
 * guillotine answers GET /healthz while its child runs), then fail with 3.
 */
function work(port: string): string {
  return `until wget -q -O /dev/null http://127.0.0.1:${port}/healthz; do sleep 0.1; done
echo "exporting"
exit 3`;
}

Deno.test("e2e: examples/injected-sidecar-job.yaml, the job's guillotine quits the injected proxy by URL", async () => {
  await buildImages();
  const manifest = renderInjectedPod(JOB, { label: "injected", work });
  const port = manifest.spec.containers[1].args[1];
  await using pod = await PlayedPod.play(manifest);
  const states = await pod.exited(POD_EXIT_TIMEOUT_MS);
  await pod.explain(async () => {
    assert.equal(states[MAIN].ExitCode, 3, "The job exits with its work's 3");
    assert.equal(states[INJECTED_PROXY].ExitCode, 0, "The proxy was asked");
    const said = await pod.logs(MAIN);
    assert.match(said, /^exporting$/m);
    assert.match(
      said,
      new RegExp(
        `quit request answered url=http://127\\.0\\.0\\.1:${port}/quitquitquit method=POST status=200`,
      ),
    );
    assert.match(
      await pod.logs(INJECTED_PROXY),
      /quit requested method=POST path=\/quitquitquit/,
    );
  });
});
