#!/usr/bin/env bash
# Builds, with `podman build` and no registry, the two images that the
# end-to-end tests (tests/e2e/) play as a Pod:
#
#   localhost/guillotine:local        the sidecar: guillotine, plus two proxies
#                                     it wraps, socat (/usr/bin/socat) and
#                                     Debian's pgbouncer (/usr/sbin/pgbouncer),
#                                     and psql (/usr/bin/psql) for a job
#                                     container that runs guillotine too (the
#                                     full pattern)
#   localhost/guillotine-e2e-job:local  the job: /bin/sh (dash), psql, touch, sleep
#
# Both start FROM scratch and hold only files copied from this host: each
# program and every path that `ldd` prints for it, at the same path. That is
# the layout of the release image (Dockerfile.scratch), with one difference:
# the release image carries `deno compile`'s single binary as /guillotine, but
# `deno compile` must download its runtime (denort), which these machines
# cannot reach. So here the image carries the Deno binary itself as /deno, the
# program under /app and a DENO_DIR filled beforehand by `deno cache`, and its
# entrypoint runs the same code on the same runtime with the same flags, read
# from scripts/compile-flags as scripts/compile.sh reads them:
#   /deno run FLAGS --cached-only /app/main.ts
# A scratch image has no shell, so /guillotine cannot be a wrapper script; pod
# manifests give the sidecar's command as `args`, which follow the entrypoint
# in both images alike.
#
# The sidecar image runs with a read-only root file system and as UID 65532
# (tests/e2e/hardened-pod.yaml), so it needs no writable path of its own:
# - Deno reads /deno-dir but writes nothing it needs there. On every start it
#   tries to (transpiled modules in gen/, SQLite caches of its module
#   analysis, a node_compat_bin/node link, and the V8 code cache); where it
#   cannot (a read-only root, or a DENO_DIR it does not own) it keeps them in
#   memory and says nothing. --no-code-cache drops the V8 code cache, as for
#   the compiled binary: a one-shot container never reuses it.
# - /etc/passwd and /etc/group name UID 65532 "nonroot", as distroless images
#   do; without them podman writes an entry for the user into the container's
#   root file system.
#
# Usage: scripts/build-local-image.sh
# Environment:
#   GUILLOTINE_APP_DIR  directory holding main.ts and lib/ (default: the repo)
#   SIDECAR_IMAGE       name of the sidecar image (default: localhost/guillotine:local)
#   JOB_IMAGE           name of the job image (default: localhost/guillotine-e2e-job:local)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
app_dir=${GUILLOTINE_APP_DIR:-$repo}
sidecar_image=${SIDECAR_IMAGE:-localhost/guillotine:local}
job_image=${JOB_IMAGE:-localhost/guillotine-e2e-job:local}

die() {
  echo "build-local-image: $*" >&2
  exit 1
}

for tool in podman deno ldd socat pgbouncer; do
  command -v "$tool" >/dev/null || die "\"$tool\" is not on PATH (run scripts/setup.sh)"
done
[[ -f "$app_dir/main.ts" ]] || die "no main.ts in \"$app_dir\""

# Every absolute path ldd prints for a dynamic executable: the loader and each
# shared library, symlinks resolved by cp -L at copy time.
_closure() {
  ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | sort -u || true
}

# copy_program ROOTFS SOURCE [TARGET]: SOURCE (symlinks resolved) at TARGET
# (default: SOURCE's own path) inside ROOTFS, with its ldd closure.
copy_program() {
  local rootfs=$1 source target lib
  source=$(readlink -f "$2")
  target=${3:-$2}
  [[ -x "$source" ]] || die "\"$2\" is not an executable file"
  install -D -m 0755 "$source" "$rootfs$target"
  while read -r lib; do
    [[ -n "$lib" && ! -e "$rootfs$lib" ]] || continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done < <(_closure "$source")
}

# psql on Debian is a Perl wrapper that picks a version; the image carries the
# real client of the newest installed major version.
find_psql() {
  local candidate
  for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V -r) /usr/bin/psql; do
    if [[ -x "$candidate" ]] && head -c 4 "$candidate" | grep -q $'\x7fELF'; then
      echo "$candidate"
      return
    fi
  done
  die "no psql binary (install postgresql-client)"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- sidecar: guillotine on the Deno runtime, socat, pgbouncer and psql ------
sidecar=$work/sidecar
root=$sidecar/rootfs
mkdir -p "$root/app" "$root/deno-dir" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
copy_program "$root" "$(command -v deno)" /deno
copy_program "$root" "$(command -v socat)" /usr/bin/socat
# A proxy nobody here wrote (tests/e2e/pgbouncer_test.ts). It is dynamic, with
# 16 libraries (libevent, c-ares, OpenSSL, libsystemd...), so mounting the
# host's binary read-only, as the hardened run mounts the static busybox,
# would not run in a scratch image: it goes in with its ldd closure.
copy_program "$root" "$(command -v pgbouncer)" /usr/sbin/pgbouncer
# So this image also serves as a job image with guillotine on both sides
# (--wait-for, --notify, then psql), without building guillotine in twice.
copy_program "$root" "$(find_psql)" /usr/bin/psql
cp "$app_dir/main.ts" "$root/app/"
[[ -d "$app_dir/lib" ]] && cp -R "$app_dir/lib" "$root/app/"
for f in deno.json deno.jsonc deno.lock; do
  [[ -f "$app_dir/$f" ]] && cp "$app_dir/$f" "$root/app/"
done
# Fills DENO_DIR (and node_modules, if deno.json asks for one) with every
# remote and npm module main.ts reaches, so the container runs --cached-only.
(cd "$root/app" && DENO_DIR="$root/deno-dir" deno cache --quiet main.ts)

read -ra flags <"$repo/scripts/compile-flags"
entrypoint=$(printf '"%s", ' /deno run "${flags[@]}" --cached-only)
cat >"$sidecar/Containerfile" <<CONTAINERFILE
FROM scratch
COPY rootfs/ /
ENV DENO_DIR=/deno-dir DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
ENTRYPOINT [${entrypoint}"/app/main.ts"]
CONTAINERFILE

# --- job: a shell and a PostgreSQL client ------------------------------------
job=$work/job
root=$job/rootfs
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"
copy_program "$root" "$(command -v dash)" /bin/sh
copy_program "$root" "$(find_psql)" /usr/bin/psql
copy_program "$root" "$(command -v touch)" /usr/bin/touch
copy_program "$root" "$(command -v sleep)" /usr/bin/sleep

cat >"$job/Containerfile" <<'CONTAINERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/bin:/bin
CMD ["/bin/sh"]
CONTAINERFILE

# build IMAGE DIR: builds DIR/Containerfile as IMAGE without keeping
# intermediate images, then removes the image IMAGE named before, if it was
# replaced and no container uses it, so repeated test runs do not fill the disk.
build() {
  local image=$1 dir=$2 old new
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  podman build --quiet --layers=false --tag "$image" --file "$dir/Containerfile" "$dir" >/dev/null
  new=$(podman image inspect --format '{{.Id}}' "$image")
  if [[ -n "$old" && "$old" != "$new" ]]; then
    podman image rm "$old" >/dev/null 2>&1 || true
  fi
}

build "$sidecar_image" "$sidecar"
build "$job_image" "$job"
echo "build-local-image: built $sidecar_image (app: $app_dir) and $job_image"
