#!/usr/bin/env bash
# Builds the portal the way its container image does (packages/backend/Dockerfile), without
# Docker: backend bundle + frontend, production dependencies only, into $PORTAL_DIST
# (default .cache/portal-dist). Run it with:
#   cd $PORTAL_DIST/packages/backend && NODE_ENV=production node . --config ../../app-config.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
set -euo pipefail
DIST="${PORTAL_DIST:-$PORTAL_CACHE/portal-dist}"
yarn build:backend
rm -rf "$DIST" && mkdir -p "$DIST"
cp .yarnrc.yml yarn.lock package.json "$DIST/"
tar xzf packages/backend/dist/skeleton.tar.gz -C "$DIST"
(cd "$DIST" && yarn workspaces focus --all --production >/dev/null)
tar xzf packages/backend/dist/bundle.tar.gz -C "$DIST"
# what the backend reads at run time: config, catalog, templates, TechDocs sources
cp -r app-config.yaml app-config.production.yaml catalog templates catalog-info.yaml mkdocs.yml docs "$DIST/"
echo "portal built into $DIST" >&2
