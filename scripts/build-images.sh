#!/usr/bin/env bash
# Builds the sandbox images into the portal's Docker engine (scripts/services/docker.sh):
#   portal-sandbox/rootfs:bookworm  debootstrap --variant=minbase of Debian bookworm, imported
#   portal-sandbox/base:latest      k8s/images/base    (git, openssh-server, socat, tini; user sandbox)
#   portal-sandbox/python:latest    k8s/images/python  (python3, pip, venv, pylsp)
#   portal-sandbox/node:latest      k8s/images/node    (Node 22 from the npm registry, typescript-language-server)
#
# Usage: scripts/build-images.sh [base|python|node ...]   (default: all; base is built first anyway)
# Idempotent: the debootstrap is skipped while the cached rootfs tarball exists in $PORTAL_CACHE
# (delete $PORTAL_CACHE/images/rootfs-bookworm.tar to redo it), `docker build` uses its layer cache.
# Nothing names a host: the Debian mirror is read from the apt sources, the npm registry from
# `npm config get registry` (override with PORTAL_DEBIAN_MIRROR / NPM_REGISTRY).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/services/docker.sh
set -euo pipefail

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
stamp() { echo "== [$(elapsed)s] $*" >&2; }

SUITE="${PORTAL_DEBIAN_SUITE:-bookworm}"
PREFIX="${PORTAL_IMAGE_PREFIX:-portal-sandbox}"
ROOTFS_IMAGE="$PREFIX/rootfs:$SUITE"
IMG_CACHE="$PORTAL_CACHE/images"
ROOTFS_TAR="$IMG_CACHE/rootfs-$SUITE.tar"
# Classic builder: `--network host` is the only network mode that works on this engine (no bridge),
# and BuildKit would need the buildx plugin.
export DOCKER_BUILDKIT=0

# The Debian mirror of the host's apt sources (deb822 *.sources and one-line *.list), for $SUITE.
debian_mirror() {
  if [ -n "${PORTAL_DEBIAN_MIRROR:-}" ]; then echo "$PORTAL_DEBIAN_MIRROR"; return; fi
  local files=() f
  for f in /etc/apt/sources.list.d/*.sources; do if [ -f "$f" ]; then files+=("$f"); fi; done
  local deb822
  deb822=$( [ ${#files[@]} -gt 0 ] && awk -v want="$SUITE" '
    BEGIN { RS = ""; FS = "\n" }
    {
      types = ""; uris = ""; suites = ""; enabled = "yes"
      for (i = 1; i <= NF; i++) {
        line = $i
        if (line ~ /^[ \t]*#/) continue
        if (match(line, /^[A-Za-z-]+:/)) {
          key = tolower(substr(line, 1, RLENGTH - 1)); val = substr(line, RLENGTH + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          if (key == "types") types = val; else if (key == "uris") uris = val
          else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
        }
      }
      if (enabled == "no" || (" " types " ") !~ / deb /) next
      split(uris, u, /[ \t]+/)
      n = split(suites, s, /[ \t]+/)
      for (j = 1; j <= n; j++) {
        if (s[j] == want) { print "1 " u[1] }
        else if (s[j] !~ /[-\/]/) { print "2 " u[1] }
      }
    }' "${files[@]}" || true)
  files=()
  if [ -f /etc/apt/sources.list ]; then files+=(/etc/apt/sources.list); fi
  for f in /etc/apt/sources.list.d/*.list; do if [ -f "$f" ]; then files+=("$f"); fi; done
  local oneline
  oneline=$( [ ${#files[@]} -gt 0 ] && awk -v want="$SUITE" '
    /^[ \t]*deb[ \t]/ {
      sub(/\[[^]]*\]/, "")
      if ($3 == want) print "1 " $2; else if ($3 !~ /[-\/]/) print "2 " $2
    }' "${files[@]}" || true)
  local best
  best=$(printf '%s\n%s\n' "$deb822" "$oneline" | grep -E '^[12] ' | sort -s -k1,1n | head -n1 | cut -d' ' -f2-)
  if [ -z "$best" ]; then
    echo "build-images: no Debian mirror for '$SUITE' in /etc/apt/sources.list(.d); set PORTAL_DEBIAN_MIRROR" >&2
    return 1
  fi
  echo "$best"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_rootfs() {
  mkdir -p "$IMG_CACHE"
  if [ ! -s "$ROOTFS_TAR" ]; then
    local mirror dir="$IMG_CACHE/rootfs-$SUITE.tmp"
    mirror="$(debian_mirror)"
    stamp "debootstrap --variant=minbase $SUITE from $mirror"
    rm -rf "$dir"
    if ! debootstrap --variant=minbase "$SUITE" "$dir" "$mirror" >"$IMG_CACHE/debootstrap.log" 2>&1; then
      echo "build-images: debootstrap failed; last lines of $IMG_CACHE/debootstrap.log:" >&2
      tail -n 20 "$IMG_CACHE/debootstrap.log" >&2
      rm -rf "$dir"
      return 1
    fi
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/bootstrap.log \
      "$dir"/debootstrap
    tar -C "$dir" --numeric-owner -cf "$ROOTFS_TAR.partial" .
    mv "$ROOTFS_TAR.partial" "$ROOTFS_TAR"
    rm -rf "$dir"
  else
    stamp "rootfs tarball cached: $ROOTFS_TAR"
  fi
  # Re-import only when the tarball changed since the image was made.
  local want have
  want="$(stat -c '%s-%Y' "$ROOTFS_TAR")"
  have="$(docker image inspect -f '{{index .Config.Labels "portal.sandbox/rootfs-stamp"}}' "$ROOTFS_IMAGE" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    stamp "docker import $ROOTFS_IMAGE"
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' \
      --change "LABEL portal.sandbox/rootfs-stamp=\"$want\" org.opencontainers.image.title=\"$ROOTFS_IMAGE\"" \
      "$ROOTFS_TAR" "$ROOTFS_IMAGE" >/dev/null
  else
    stamp "$ROOTFS_IMAGE up to date"
  fi
}

# build NAME CONTEXT [docker build args...]
build() {
  local name="$1" context="$2"; shift 2
  stamp "docker build $PREFIX/$name:latest"
  local log="$IMG_CACHE/build-$name.log"
  if ! docker build --network host --force-rm -t "$PREFIX/$name:latest" -f "k8s/images/$name/Dockerfile" \
      --build-arg "BASE_IMAGE=$PREFIX/base:latest" "$@" "$context" >"$log" 2>&1; then
    echo "build-images: docker build of $name failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then wanted=(base python node); fi
for w in "${wanted[@]}"; do
  case "$w" in base | python | node) ;; *) echo "build-images: unknown image '$w' (base, python, node)" >&2; exit 2 ;; esac
done

docker_start
stamp "engine at $PORTAL_DOCKER_SOCKET"
build_rootfs
# Everything else is FROM base.
build base k8s/images/base
for w in "${wanted[@]}"; do
  case "$w" in
    python) build python k8s/images/python ;;
    node)
      registry="${NPM_REGISTRY:-$(cd / && npm config get registry)}"
      # The builder stage trusts the CAs the host's npm trusts (an egress proxy may re-sign TLS):
      # the context is k8s/images/node plus that bundle as build-ca.crt (used by the builder only).
      ctx="$IMG_CACHE/context-node"
      rm -rf "$ctx" && mkdir -p "$ctx" && cp -a k8s/images/node/. "$ctx/"
      cafile="$(cd / && npm config get cafile 2>/dev/null || true)"
      for f in "$cafile" "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
        if [ -n "$f" ] && [ "$f" != null ] && [ "$f" != undefined ] && [ -s "$f" ]; then
          cp "$f" "$ctx/build-ca.crt" && break
        fi
      done
      [ -f "$ctx/build-ca.crt" ] || : >"$ctx/build-ca.crt"
      build node "$ctx" --build-arg "NPM_REGISTRY=$registry"
      ;;
  esac
done

stamp "done"
for ref in "$ROOTFS_IMAGE" "$PREFIX/base:latest" "$PREFIX/python:latest" "$PREFIX/node:latest"; do
  bytes="$(docker image inspect -f '{{.Size}}' "$ref" 2>/dev/null)" || continue
  printf '%-34s %6d MB\n' "$ref" "$((bytes / 1000000))"
done
