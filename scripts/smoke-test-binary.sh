#!/usr/bin/env bash
# Smoke test of a guillotine binary as PID 1 of a new PID namespace, the way a
# container runs it, over a child that prints every signal it gets:
#
#   1. --version answers;
#   2. run as PID 1 (`unshare --pid --fork --mount-proc`) with --watch: the
#      child's parent is PID 1; SIGUSR2 sent to PID 1 reaches the child; the
#      watched file, created after the start, makes guillotine send SIGTERM;
#      the child stops by itself (gracefully) and guillotine exits 0;
#   3. a second run with --notify over a child that exits 3: guillotine exits
#      3 and writes a completion record with exitCode 3;
#   4. a third run, with --watch on that record and --exit-code-from-file,
#      exits 3 at once: the record is one the other side reads.
#
# Every wait polls with a deadline; every run is bounded by `timeout`, and
# `unshare --kill-child` takes its namespace down with it.
#
# Usage: scripts/smoke-test-binary.sh BINARY
#        GUILLOTINE="deno run -A main.ts" scripts/smoke-test-binary.sh
# GUILLOTINE, when set, is the command (split on spaces) that stands for the
# binary, so the same checks run here on `deno run main.ts`. Needs root for
# the PID namespace (it uses sudo when not root), bash, util-linux, procps.
# Used by .github/workflows/release.yml for both architectures.
set -euo pipefail

if [[ -n "${GUILLOTINE:-}" ]]; then
  read -ra guillotine <<<"$GUILLOTINE"
else
  guillotine=("${1:?usage: scripts/smoke-test-binary.sh BINARY (or GUILLOTINE=COMMAND)}")
fi
# sudo resets PATH: name the program by its full path.
guillotine[0]=$(command -v "${guillotine[0]}") || {
  echo "smoke: \"${guillotine[0]}\" not found" >&2
  exit 2
}
as_root=()
[[ "$(id -u)" == 0 ]] || as_root=(sudo)
timeout_s=${SMOKE_TIMEOUT:-60}

work=$(mktemp -d)
chmod 755 "$work"
mkdir "$work/share"
runner=
cleanup() {
  [[ -n "$runner" ]] && kill "$runner" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke: FAILED: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [[ -s "$f" ]] && { echo "--- $f" >&2; cat "$f" >&2; }
  done
  exit 1
}
pass() { echo "smoke: ok: $*"; }

# The child: says it is ready with its parent's pid, then the name of every
# signal it gets; SIGTERM ends it on its own, with a last word.
cat >"$work/child.sh" <<'CHILD'
trap 'echo USR2' USR2
trap 'echo TERM; echo stopped; exit 0' TERM
echo "ready $PPID"
while :; do
  sleep 1 &
  wait $! || true
done
CHILD

# as_pid1 NAME ARGS...: guillotine ARGS as PID 1 of a new PID namespace, in
# the background; output in $work/NAME.out and .err, its runner in $runner.
as_pid1() {
  local name=$1
  shift
  "${as_root[@]}" timeout "$timeout_s" \
    unshare --pid --fork --mount-proc --kill-child -- "${guillotine[@]}" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  runner=$!
}

# finish: waits for the runner; its exit code in $code.
code=
finish() {
  code=0
  wait "$runner" || code=$?
  runner=
}

# until_true WHAT COMMAND...: polls COMMAND until it succeeds, or fails.
until_true() {
  local what=$1 deadline=$((SECONDS + timeout_s))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out waiting until $what"
    sleep 0.1
  done
}

# pid1_of PID: the process below PID (sudo, timeout, unshare) that is PID 1
# of its own namespace, as the host numbers it.
pid1_of() {
  local pid=$1 depth nspid
  for depth in 1 2 3 4 5 6; do
    nspid=$(awk '/^NSpid:/ { $1 = ""; print }' "/proc/$pid/status" 2>/dev/null) || return 1
    if [[ "$nspid" =~ [[:space:]]1$ ]]; then
      echo "$pid"
      return
    fi
    pid=$(pgrep -P "$pid" | head -n 1) || return 1
    [[ -n "$pid" ]] || return 1
  done
  return 1
}

has_line() { grep -qx -- "$2" "$work/$1.out" 2>/dev/null; }

# 1. The version.
version=$("${guillotine[@]}" --version) || fail "--version"
[[ -n "$version" ]] || fail "--version printed nothing"
pass "--version: $version"

# 2. PID 1: a forwarded signal, a real trigger, a graceful stop.
as_pid1 watch --watch "$work/share/done" --grace-period 20s -- bash "$work/child.sh"
until_true "the child is ready" grep -q '^ready ' "$work/watch.out"
ppid=$(sed -n 's/^ready //p' "$work/watch.out")
[[ "$ppid" == 1 ]] || fail "the child's parent is \"$ppid\", not PID 1"
pass "guillotine is PID 1 of its namespace"

pid1=
find_pid1() { pid1=$(pid1_of "$runner"); }
until_true "PID 1 is found" find_pid1
usr2_seen() {
  has_line watch USR2 && return
  "${as_root[@]}" kill -USR2 "$pid1" 2>/dev/null || true
  sleep 0.2
  has_line watch USR2
}
until_true "SIGUSR2 sent to PID 1 reaches the child" usr2_seen
pass "SIGUSR2 sent to PID 1 reached the child"

started=$SECONDS
touch "$work/share/done"
finish
has_line watch TERM || fail "the child never got SIGTERM"
has_line watch stopped || fail "the child did not stop by itself"
[[ "$code" == 0 ]] || fail "after the trigger guillotine exited $code, not 0"
((SECONDS - started < 20)) || fail "the stop took the whole grace period"
pass "the watched file, created after the start, stopped the child gracefully: exit 0"

# 3. --notify: the record of a child that exits 3.
record=$work/share/record
as_pid1 notify --notify "$record" -- bash -c 'exit 3'
finish
[[ "$code" == 3 ]] || fail "with --notify over exit 3, guillotine exited $code"
[[ -s "$record" ]] || fail "no record at $record"
grep -q '"exitCode":3[,}]' "$record" || fail "the record says $(cat "$record")"
pass "--notify wrote the record: $(cat "$record")"

# 4. The record read by the other side.
as_pid1 read --watch "$record" --exit-code-from-file -- bash "$work/child.sh"
finish
[[ "$code" == 3 ]] || fail "--exit-code-from-file on that record exited $code, not 3"
pass "--watch --exit-code-from-file read it: exit 3"

echo "smoke: all checks passed for ${guillotine[*]}"
