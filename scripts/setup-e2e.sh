#!/usr/bin/env bash
# Installs what the end-to-end tests (tests/e2e/) need on a fresh Debian 12
# machine, as root: podman with runc and catatonit, a PostgreSQL server and
# client, socat (the sidecar's proxy), dash (the job container's shell) and a
# static busybox (the child in scripts/smoke-test-image.sh).
# Safe to run again: it installs only what is missing and edits containers.conf
# only when the ulimits line is absent.
set -euo pipefail

packages=(podman runc catatonit postgresql postgresql-client socat dash coreutils busybox-static)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup-e2e: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The machines this project runs on allow fewer open files and processes than
# podman asks for by default; without lower defaults every container fails to
# start ("error setting rlimit type 7: operation not permitted").
conf=/etc/containers/containers.conf
mkdir -p /etc/containers
if ! grep -qs '^[[:space:]]*default_ulimits' "$conf"; then
  if grep -qs '^\[containers\]' "$conf"; then
    sed -i '/^\[containers\]/a default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]' "$conf"
  else
    printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n' >>"$conf"
  fi
  echo "setup-e2e: wrote default_ulimits to $conf"
fi

podman --version
echo "setup-e2e: ready"
