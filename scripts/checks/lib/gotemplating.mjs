// Offline rendering of Crossplane compositions' function-go-templating steps through
// `helm template` (Go templates + sprig), shared by scripts/checks/validate-k8s.mjs and the
// composition checks under k8s/crossplane/scripts/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('yaml');

/** The helm binary: $HELM, else the one scripts/checks/k8s.sh installs into the cache. */
export const HELM =
  process.env.HELM ?? path.join(process.env.PORTAL_CACHE ?? path.join(ROOT, '.cache'), 'k8s-tools/helm/helm');

const parseDocs = text =>
  yaml
    .parseAllDocuments(text)
    .map(d => d.toJS())
    .filter(Boolean);

/** Every YAML document of a file, as plain objects. */
export const loadDocs = file => parseDocs(fs.readFileSync(file, 'utf8'));

/** One go-templating step through `helm template` (the function's data root is helm's .Values). */
export function renderGoTemplate(template, values, helm = HELM) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gotmpl-'));
  try {
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: composition-step\nversion: 0.1.0\n');
    // The function's data root is the RunFunctionRequest; helm's is .Values.
    const text = template.replace(/(^|[^\w)\]$])(\$?)\.(observed|desired|context|extraResources)\b/g, '$1$2.Values.$3');
    fs.writeFileSync(path.join(dir, 'templates', 'step.yaml'), text);
    fs.writeFileSync(path.join(dir, 'values.yaml'), JSON.stringify(values));
    return parseDocs(execFileSync(helm, ['template', 'step', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The inline go-templating steps of a composition's pipeline, in order. */
export const goTemplatingSteps = composition =>
  (composition.spec.pipeline ?? []).filter(s => s.input?.kind === 'GoTemplate' && s.input.source === 'Inline');

/** A step's output document that passes data to later steps (function-go-templating's Context). */
export const isContext = d => d.kind === 'Context' && d.apiVersion?.startsWith('meta.gotemplating');

/**
 * Renders all go-templating steps of `composition` for the composite `xr`, passing each step's
 * Context on to the next; `observed` are the composed resources a later reconcile sees.
 * `onStep` is called after each rendered step.
 */
export function renderPipeline(composition, xr, { observed = {}, helm = HELM, onStep } = {}) {
  let context = {};
  const outputs = [];
  for (const step of goTemplatingSteps(composition)) {
    const docs = renderGoTemplate(
      step.input.inline.template,
      { observed: { composite: { resource: xr }, resources: observed }, desired: {}, context },
      helm,
    );
    onStep?.(step);
    for (const d of docs) {
      if (isContext(d)) context = { ...context, ...d.data };
      else outputs.push(d);
    }
  }
  return { outputs, context };
}
