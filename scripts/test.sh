#!/usr/bin/env bash
# `deno task test`: everything CI runs, on a machine where only Deno was
# installed by hand. As root: installs the Debian packages the tests need when
# they are missing (scripts/setup.sh says which), then runs the checks (format,
# lint, types, the JSDoc examples), the unit, integration and docs tests,
# and last the end-to-end tests that play Pods with podman.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

deno fmt --check
deno lint
deno check main.ts lib tests demo bench scripts
deno test --doc lib

# One runs alone, after the rest: warmup_bound_test counts its own process's
# wake-ups, which other test files running beside it would add to.
ALONE=tests/unit/warmup_bound_test.ts
deno test -A --parallel "--ignore=${ALONE}" tests/unit tests/integration tests/docs
deno test -A "${ALONE}"
deno test -A tests/e2e/
