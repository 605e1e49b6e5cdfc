#!/usr/bin/env bash
# Compiles guillotine for one target. Every compile goes through here (the
# deno.json compile tasks, .github/workflows/release.yml, Dockerfile.scratch),
# so that its flags come from one place, scripts/compile-flags: exactly the
# permissions of lib/runtime/permissions.ts, and --no-code-cache, because a one-shot
# container never reuses a V8 code cache and a read-only root cannot hold one.
# scripts/build-local-image.sh runs `deno run` with the same file's flags, and
# tests/docs/workflows_test.ts keeps lib/runtime/permissions.ts equal to it.
#
# Usage: scripts/compile.sh TARGET [OUTPUT]
#   TARGET  x86_64-unknown-linux-gnu or aarch64-unknown-linux-gnu
#   OUTPUT  default: dist/guillotine-TARGET (relative to the repository)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=${1:?usage: scripts/compile.sh TARGET [OUTPUT]}
output=${2:-dist/guillotine-$target}
read -ra flags <scripts/compile-flags
exec deno compile "${flags[@]}" --target "$target" --output "$output" main.ts
