#!/usr/bin/env bash
# Quick start, command 1: set everything up and start the portal on the embedded defaults
# (SQLite, guest sign-in, Docker driver): frontend on http://localhost:3000, backend on :7007.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
yarn install --immutable
mkdir -p .data/sqlite
# TechDocs renders with Debian's mkdocs (optional: without it only the Docs tabs fail).
source scripts/services/apt.sh
apt_ensure mkdocs || echo "start.sh: TechDocs needs mkdocs (apt-get install mkdocs)" >&2
exec yarn start
