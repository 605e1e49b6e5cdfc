#!/usr/bin/env bash
# Smoke test of a guillotine image, run as the container's PID 1:
#   --version; the child's parent is PID 1; the child's exit code and "not
#   found" (127) come through; a watched file that exists at start, and one
#   that appears later, both end a long-running child and guillotine exits 0.
#
# The image holds nothing but guillotine, so the child is a static busybox
# from the host, mounted read-only (Debian/Ubuntu: apt-get install busybox-static).
#
# Usage: scripts/smoke-test-image.sh IMAGE
# Environment:
#   ENGINE   docker (default) or podman
#   BUSYBOX  a static busybox binary (default: /bin/busybox)
#   PLATFORM run the image for this platform (e.g. linux/arm64, emulated)
# Used by .github/workflows/release.yml, and by tests/e2e/ on the local image.
set -euo pipefail

image=${1:?usage: scripts/smoke-test-image.sh IMAGE}
engine=${ENGINE:-docker}
busybox=${BUSYBOX:-/bin/busybox}
timeout_s=30
failures=0

platform=()
[[ -n "${PLATFORM:-}" ]] && platform=(--platform "$PLATFORM")

# A dynamic busybox would need the host's libraries, which the image lacks.
if [[ ! -x "$busybox" ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "smoke: \"$busybox\" is not a static busybox (apt-get install busybox-static)" >&2
  exit 2
fi

share=$(mktemp -d)
containers=()
cleanup() {
  for c in "${containers[@]}"; do "$engine" rm --force "$c" >/dev/null 2>&1 || true; done
  rm -rf "$share"
}
trap cleanup EXIT

run() {
  "$engine" run --rm "${platform[@]}" -v "$busybox:/busybox:ro" "$@"
}

pass() { echo "smoke: ok: $*"; }
fail() {
  echo "smoke: FAILED: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE DESCRIPTION -- RUN-ARGS...
expect_exit() {
  local want=$1 what=$2 got=0
  shift 3
  run "$@" >/dev/null 2>&1 || got=$?
  if [[ "$got" == "$want" ]]; then pass "$what (exit $got)"; else fail "$what: exit $got, expected $want"; fi
}

# wait_exit NAME: polls until the container has exited, prints its exit code.
wait_exit() {
  local name=$1 deadline=$((SECONDS + timeout_s)) state
  while ((SECONDS < deadline)); do
    state=$("$engine" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name")
    if [[ "$state" == exited* ]]; then
      echo "${state#exited }"
      return
    fi
    sleep 0.2
  done
  echo "timeout"
}

if version=$("$engine" run --rm "${platform[@]}" "$image" --version 2>&1) && [[ -n "$version" ]]; then
  pass "--version: $version"
else
  fail "--version: $version"
fi

# shellcheck disable=SC2016 # $PPID is the child's, expanded in the container
ppid=$(run "$image" /busybox sh -c 'echo "$PPID"' 2>/dev/null) || true
if [[ "$ppid" == 1 ]]; then pass "guillotine is PID 1"; else fail "child's parent is \"$ppid\", not PID 1"; fi

expect_exit 3 "child's exit code comes through" -- "$image" /busybox sh -c 'exit 3'
expect_exit 127 "missing command" -- "$image" /does-not-exist
expect_exit 125 "no command" -- "$image"

# The watched file is already there: the child is stopped at once.
touch "$share/completed"
name=guillotine-smoke-existing-$$
containers+=("$name")
"$engine" run -d --name "$name" "${platform[@]}" -v "$busybox:/busybox:ro" -v "$share:/share" \
  -e GUILLOTINE_WATCHED_FILE=/share/completed "$image" /busybox sleep 600 >/dev/null
code=$(wait_exit "$name")
if [[ "$code" == 0 ]]; then pass "watched file present at start: exit 0"; else
  fail "watched file present at start: exit \"$code\""
  "$engine" logs "$name" >&2 || true
fi

# The watched file appears while the child runs.
rm -f "$share/completed"
name=guillotine-smoke-trigger-$$
containers+=("$name")
"$engine" run -d --name "$name" "${platform[@]}" -v "$busybox:/busybox:ro" -v "$share:/share" \
  "$image" --watch /share/completed /busybox sleep 600 >/dev/null
deadline=$((SECONDS + timeout_s))
until [[ "$("$engine" inspect --format '{{.State.Status}}' "$name")" == running ]] \
  || ((SECONDS > deadline)); do sleep 0.2; done
touch "$share/completed"
code=$(wait_exit "$name")
if [[ "$code" == 0 ]]; then pass "watched file created later: exit 0"; else
  fail "watched file created later: exit \"$code\""
  "$engine" logs "$name" >&2 || true
fi

if ((failures > 0)); then
  echo "smoke: $failures check(s) failed for $image" >&2
  exit 1
fi
echo "smoke: all checks passed for $image"
