#!/usr/bin/env bash
# Quick start, command 2: set up and run the whole test suite (type-check, unit and integration
# tests with coverage on SQLite and PostgreSQL, then the browser end-to-end tests against the
# built portal), the offline validators and a benchmark. Installs what the tests need (Node 24,
# Yarn, PostgreSQL, Chromium, the Docker engine and sandbox images, validators).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }
source scripts/env.sh
source scripts/services/postgres.sh
source scripts/services/chromium.sh
source scripts/services/docker.sh

stamp "install dependencies"
yarn install --immutable
stamp "services: PostgreSQL, Chromium, mkdocs, Docker engine"
postgres_start
chromium_ensure
apt_ensure mkdocs openssh-client git sqlite3
docker_start
stamp "sandbox images"
./scripts/build-images.sh

stamp "type-check"
yarn tsc
stamp "docs: TechDocs site builds (mkdocs --strict)"
mkdocs build --strict --quiet -d "$PORTAL_CACHE/site"
stamp "checks: workflows (actionlint), Ansible (lint, syntax, chroot apply x2)"
./scripts/checks/workflows.sh
./scripts/checks/ansible.sh
stamp "Kubernetes manifests and Crossplane (offline checks)"
./scripts/checks/k8s.sh
stamp "observability: promtool, amtool, dashboards (offline checks)"
./scripts/checks/observability.sh
stamp "unit + integration tests with coverage (SQLite and PostgreSQL)"
CI=true yarn test:all
stamp "build the portal (production bundle)"
./scripts/build-portal.sh
stamp "end-to-end tests (Chromium)"
yarn test:e2e
stamp "benchmark: sandbox start (figures, not a pass/fail test)"
node test/bench/sandbox-start.mjs --n 20 --warm 50 --concurrent 50
stamp "benchmark: billing ingestion and invoicing, 1M records on SQLite and PostgreSQL"
node test/bench/billing.mjs
stamp "done"
