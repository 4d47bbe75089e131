#!/usr/bin/env bash
# Stand-in base images for the container tier (tests/test_containers.py).
#
# No image registry is reachable from our machines, so this builds local images under the exact
# names the generated Dockerfile and compose.yaml use. They are stand-ins, NOT the official images:
#   python:3.X-slim           Debian bookworm (debootstrap --variant=minbase) + this machine's CPython 3.X
#   ghcr.io/astral-sh/uv:V    the uv and uvx binaries of PyPI's `uv==V` wheel, on an empty image
#   postgres:17               Debian bookworm's PostgreSQL 15, with an entrypoint that honours
#                             POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB
#   mariadb:11                Debian bookworm's MariaDB 10.11, with an entrypoint that honours
#                             MARIADB_USER, MARIADB_PASSWORD, MARIADB_DATABASE, MARIADB_ROOT_PASSWORD
#                             and a healthcheck.sh that knows --connect and --innodb_initialized
# Every image is labelled `fastapi-starter.standin=<what it stands in for>` and says it is not the
# official image; `fastapi-starter.standin.inputs` is a hash of what it was built from, and an image
# whose inputs are unchanged is kept as it is. The machine's CA bundle goes into every Debian-based
# image (package downloads may pass through a proxy with its own CA; SSL_CERT_FILE points at it).
#
# Usage: tests/containers/standin-images.sh [PYTHON_VERSION...]
#        (default: every python_version choice in copier.yml that this machine has)
# Needs root, podman, debootstrap, uv, and the CPython versions on PATH (pyenv: PYENV_VERSION).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${STANDIN_CACHE:-/var/cache/fastapi-starter/standins}
mkdir -p "$cache"

template=$repo/template
dockerfile=("$template"/*Dockerfile*.jinja)
compose=("$template"/*compose.yaml*.jinja)
uv_version=$(grep -o 'ghcr.io/astral-sh/uv:[0-9.]*' "${dockerfile[0]}" | cut -d: -f2)
postgres_tag=$(grep -o 'image: postgres:[^ ]*' "${compose[0]}" | cut -d: -f3)
mariadb_tag=$(grep -o 'image: mariadb:[^ ]*' "${compose[0]}" | cut -d: -f3)
if [ $# -gt 0 ]; then
  pythons=("$@")
else
  mapfile -t pythons < <(sed -n '/^python_version:/,/^$/p' "$repo/copier.yml" | grep -oE ': "3\.[0-9]+"$' | grep -oE '3\.[0-9]+' | sort -u)
fi
ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}

log() { echo "stand-in images: $*" >&2; }
# A short hash of files and strings: what an image was built from.
inputs_of() { { for input in "$@"; do if [ -f "$input" ]; then cat "$input"; else echo "$input"; fi; done; } | sha256sum | cut -c1-16; }
built_from() { podman image inspect --format '{{index .Labels "fastapi-starter.standin.inputs"}}' "$1" 2>/dev/null || true; }
labels() {  # image name, what it stands in for, inputs hash -> --label arguments
  printf '%s\n' --label "fastapi-starter.standin=$2" --label "fastapi-starter.standin.inputs=$3" \
    --label "org.opencontainers.image.description=A stand-in for $1 made by fastapi-starter's tests ($2); not the official image"
}
build() {  # image, what it stands in for, inputs hash, Containerfile, context, build args...
  local image=$1 what=$2 hash=$3 file=$4 context=$5; shift 5
  if [ "$(built_from "$image")" = "$hash" ]; then log "$image is up to date"; return; fi
  log "building $image ($what)"
  local args; mapfile -t args < <(labels "$image" "$what" "$hash")
  local old; old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  podman build --quiet --pull=never --format docker --file "$file" "${args[@]}" "$@" --tag "$image" "$context" >/dev/null
  if [ -n "$old" ]; then podman rmi "$old" >/dev/null 2>&1 || true; fi  # the replaced version, if unused
}

# ---- Debian bookworm, minbase, with the libraries CPython links against
base=localhost/fastapi-starter-standin/debian:bookworm
packages=ca-certificates,libssl3,libsqlite3-0,libffi8,libbz2-1.0,liblzma5,libuuid1,libreadline8,libncursesw6,libgdbm6,libexpat1,tzdata,netbase
base_hash=$(inputs_of "$0" "$packages" "$ca_bundle")
if [ "$(built_from "$base")" = "$base_hash" ]; then
  log "$base is up to date"
else
  log "building $base (debootstrap --variant=minbase bookworm)"
  root=$cache/debian-root
  rm -rf "$root"
  # The Debian mirror apt uses on this machine (debootstrap's own default if none is found).
  mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
  debootstrap --variant=minbase --include="$packages" bookworm "$root" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  mapfile -t args < <(labels "$base" "Debian bookworm, debootstrap --variant=minbase" "$base_hash")
  changes=()
  for ((i = 0; i < ${#args[@]}; i += 2)); do changes+=(--change "LABEL ${args[i + 1]%%=*}=\"${args[i + 1]#*=}\""); done
  tar -C "$root" -c . | podman import --quiet "${changes[@]}" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$root"
fi

# ---- python:3.X-slim: the machine's CPython, without its site-packages and test suite
for minor in "${pythons[@]}"; do
  python=$(uv python find --no-project --system "$minor" 2>/dev/null) ||
    { echo "stand-in images: no Python $minor on this machine" >&2; exit 1; }
  read -r prefix version < <("$python" -c 'import sys, platform; print(sys.base_prefix, platform.python_version())')
  image=docker.io/library/python:$minor-slim
  hash=$(inputs_of "$base_hash" "$here/standins/python.Containerfile" "$prefix" "$version")
  if [ "$(built_from "$image")" != "$hash" ]; then
    stage=$cache/python-$version
    rm -rf "$stage" && mkdir -p "$stage"
    (cd "$prefix" && tar -c --exclude="lib/python$minor/site-packages/*" --exclude="lib/python$minor/test" \
      --exclude="lib/python$minor/idlelib" --exclude="lib/python$minor/tkinter" --exclude='__pycache__' \
      --exclude='*.a' bin/python* lib include) | tar -C "$stage" -x
  fi
  build "$image" "CPython $version from this machine on Debian bookworm" "$hash" \
    "$here/standins/python.Containerfile" "${stage:-$cache}" --build-arg "BASE=$base" --build-arg "PYTHON_VERSION=$version"
  rm -rf "${stage:-}"; unset stage
done

# ---- ghcr.io/astral-sh/uv: the binaries of the uv wheel of that version
image=ghcr.io/astral-sh/uv:$uv_version
hash=$(inputs_of "$0" "$here/standins/uv.Containerfile" "$uv_version")
if [ "$(built_from "$image")" != "$hash" ]; then
  stage=$cache/uv-$uv_version
  rm -rf "$stage"
  uv pip install --quiet --no-deps --target "$stage/wheel" "uv==$uv_version"
  cp "$stage/wheel/bin/uv" "$stage/wheel/bin/uvx" "$stage/"
fi
build "$image" "the uv $uv_version wheel's binaries" "$hash" "$here/standins/uv.Containerfile" "${stage:-$cache}"
rm -rf "${stage:-}"; unset stage

# ---- the database servers, from Debian's packages
build "docker.io/library/postgres:$postgres_tag" "Debian bookworm's PostgreSQL 15" \
  "$(inputs_of "$base_hash" "$here"/standins/postgres*)" "$here/standins/postgres.Containerfile" \
  "$here/standins" --build-arg "BASE=$base"
build "docker.io/library/mariadb:$mariadb_tag" "Debian bookworm's MariaDB 10.11" \
  "$(inputs_of "$base_hash" "$here"/standins/mariadb*)" "$here/standins/mariadb.Containerfile" \
  "$here/standins" --build-arg "BASE=$base"
log "ready"
