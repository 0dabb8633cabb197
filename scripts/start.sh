#!/usr/bin/env bash
# Quick start, command 1: set everything up and start the portal on the embedded defaults
# (SQLite under .data/, guest sign-in, Docker driver): frontend on http://localhost:3000, backend on
# http://localhost:7007. As root it also installs and starts the Docker engine (network management
# off) and builds the sandbox images; without root it uses the engine DOCKER_HOST points at.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/services/apt.sh
source scripts/services/docker.sh
yarn install --immutable
mkdir -p .data/sqlite
if [ "$(id -u)" = 0 ]; then
  # TechDocs renders with Debian's mkdocs; sandboxes need the engine and the images.
  apt_ensure mkdocs git openssh-client
  docker_start
  ./scripts/build-images.sh
else
  echo "start.sh: not root: using the Docker engine at ${DOCKER_HOST:-/var/run/docker.sock}; build images with scripts/build-images.sh" >&2
fi
exec yarn start
