#!/usr/bin/env bash
# Installs, from Debian's packages, what guillotine's tests and benchmark need
# on a fresh Debian 12 machine, as root, and says what it installs. Run by
# scripts/test.sh (deno task test); safe to run again: it installs only what
# is missing and edits containers.conf only when the ulimits line is absent.
#
#   util-linux, bsdutils   unshare and setpriv (PID namespaces), script (a tty)
#   procps, python3        ps for debugging; a child that changes its group,
#                          the debugger test's attacker
#   iproute2               network namespaces of the tests' own (ip netns)
#   tini, dumb-init, gcc   the benchmark's peers and its small C child
#   podman, runc, catatonit, busybox-static, dash, coreutils
#                          the end-to-end tests' Pods and FROM-scratch images
#   postgresql, postgresql-client, pgbouncer, socat
#                          the end-to-end tests' database, its client and proxies
#   curl                   the quit endpoint's test runs the proxies' own
#                          curl command lines
set -euo pipefail

packages=(
  util-linux bsdutils procps iproute2 python3 tini dumb-init gcc libc6-dev
  podman runc catatonit busybox-static dash coreutils
  postgresql postgresql-client pgbouncer socat curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: the tests need these Debian packages: ${missing[*]}; run as root (the tests need root for PID namespaces anyway)" >&2
    exit 1
  fi
  echo "setup: installing from Debian's packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The machines this project runs on allow fewer open files and processes than
# podman asks for by default; without lower defaults every container fails to
# start ("error setting rlimit type 7: operation not permitted").
conf=/etc/containers/containers.conf
if ! grep -qs '^[[:space:]]*default_ulimits' "$conf"; then
  mkdir -p /etc/containers
  if grep -qs '^\[containers\]' "$conf"; then
    sed -i '/^\[containers\]/a default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]' "$conf"
  else
    printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n' >>"$conf"
  fi
  echo "setup: wrote default_ulimits to $conf"
fi
