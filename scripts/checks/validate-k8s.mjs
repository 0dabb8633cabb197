#!/usr/bin/env node
// Offline validation of the repository's Kubernetes manifests (no API server here).
//   node scripts/checks/validate-k8s.mjs manifests <rendered.yaml>...
//     every object: Kubernetes kinds against kubernetes-models' schemas (unknown fields are not
//     caught: the models allow them), Crossplane packages pinned, XRD and Composition structure;
//   node scripts/checks/validate-k8s.mjs crossplane <rendered.yaml>...
//     cross-references: each Composition's XRD and Functions exist, patch paths exist in the XRD;
//     every example / fixture claim validates against its XRD's openAPIV3Schema (ajv, objects
//     closed); each go-templating step renders (Go templates + sprig through `helm template`,
//     HELM=<path>) for the example XRs, fresh and with its resources observed ready, and what it
//     renders validates (Kubernetes kinds, the XR status against the XRD);
//   node scripts/checks/validate-k8s.mjs claims <claim.yaml>...   claims against the XRDs only.
// Exit 1 with one line per problem.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { goTemplatingSteps, renderPipeline } from './lib/gotemplating.mjs';

const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('yaml');
const Ajv = require('ajv');

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

function loadDocs(file) {
  return yaml
    .parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => {
      if (d.errors.length) problem(file, `YAML: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter(Boolean);
}

const nameOf = o =>
  `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${
    o.metadata?.name
  }`;

// --- Kubernetes kinds (kubernetes-models) ---
const modelCache = new Map();
function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let model;
  try {
    model = require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch {
    model = undefined;
  }
  modelCache.set(key, model);
  return model;
}

export function validateKubernetes(obj, where) {
  if (!obj.apiVersion || !obj.kind)
    return problem(where, 'object without apiVersion/kind');
  if (!obj.metadata?.name) problem(where, `${obj.kind} without metadata.name`);
  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return false;
  // Long base64 values are folded across lines (kustomize does it); the API server ignores the
  // line breaks, the models' `byte` format does not.
  if (obj.kind === 'Secret' && obj.data)
    obj = {
      ...obj,
      data: Object.fromEntries(
        Object.entries(obj.data).map(([k, v]) => [
          k,
          String(v).replace(/\s+/g, ''),
        ]),
      ),
    };
  try {
    new Model(obj).validate();
  } catch (e) {
    problem(
      where,
      `${nameOf(obj)}: ${String(e.message)
        .split('\n')
        .slice(0, 3)
        .join(' | ')}`,
    );
  }
  return true;
}

// --- Crossplane kinds ---
const PINNED = /:v\d+\.\d+\.\d+$|@sha256:[0-9a-f]{64}$/;
function validateCrossplane(obj, where) {
  const id = `${where}: ${nameOf(obj)}`;
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'pkg.crossplane.io/v1/Function':
    case 'pkg.crossplane.io/v1/Provider':
    case 'pkg.crossplane.io/v1/Configuration':
      if (!PINNED.test(obj.spec?.package ?? ''))
        problems.push(
          `${id}: package ${obj.spec?.package} is not pinned to a version`,
        );
      return true;
    case 'apiextensions.crossplane.io/v2/CompositeResourceDefinition': {
      const { group, names, scope, versions } = obj.spec ?? {};
      if (obj.metadata.name !== `${names?.plural}.${group}`)
        problems.push(`${id}: name must be <plural>.<group>`);
      if (!['Namespaced', 'Cluster'].includes(scope))
        problems.push(
          `${id}: scope must be Namespaced or Cluster (no LegacyCluster claims)`,
        );
      if (
        !/^[A-Z][A-Za-z0-9]*$/.test(names?.kind ?? '') ||
        names.kind.startsWith('X')
      )
        problems.push(
          `${id}: kind must be UpperCamelCase without the X prefix (our naming rule)`,
        );
      if (
        names?.plural !== `${names?.kind?.toLowerCase()}s` &&
        names?.plural !== `${names?.kind?.toLowerCase()}es`
      )
        problems.push(`${id}: plural must be the lowercase kind + s`);
      const referenceable = (versions ?? []).filter(v => v.referenceable);
      if (referenceable.length !== 1)
        problems.push(`${id}: exactly one version must be referenceable`);
      for (const v of versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (schema?.type !== 'object')
          problems.push(`${id}: ${v.name} has no object openAPIV3Schema`);
        describeCheck(schema?.properties?.spec, `${id} ${v.name} spec`);
        describeCheck(schema?.properties?.status, `${id} ${v.name} status`);
      }
      return true;
    }
    case 'apiextensions.crossplane.io/v1/Composition': {
      const spec = obj.spec ?? {};
      if (spec.mode !== 'Pipeline')
        problems.push(`${id}: mode must be Pipeline`);
      if (!spec.compositeTypeRef?.apiVersion || !spec.compositeTypeRef?.kind)
        problems.push(`${id}: no compositeTypeRef`);
      if (!obj.metadata.labels?.provider)
        problems.push(`${id}: no provider label`);
      for (const step of spec.pipeline ?? []) {
        if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(step.step ?? ''))
          problems.push(`${id}: step '${step.step}' is not kebab-case`);
        if (!step.functionRef?.name)
          problems.push(`${id}: step ${step.step} has no functionRef`);
      }
      return true;
    }
    default:
      return false;
  }
}

function describeCheck(schema, where) {
  for (const [key, value] of Object.entries(schema?.properties ?? {})) {
    if (!value.description) problems.push(`${where}.${key}: no description`);
    if (value.type === 'object') describeCheck(value, `${where}.${key}`);
  }
}

function manifests(files) {
  let checked = 0;
  let schemaless = 0;
  for (const file of files) {
    for (const obj of loadDocs(file)) {
      checked++;
      if (validateCrossplane(obj, file)) continue;
      if (validateKubernetes(obj, file) === false) schemaless++;
    }
  }
  return `${checked} objects (${schemaless} of kinds without a schema here: structure only)`;
}

// --- XRD schemas for claims ---
function closed(schema) {
  const copy = structuredClone(schema);
  (function close(s) {
    if (s && typeof s === 'object') {
      if (s.properties && s.additionalProperties === undefined)
        s.additionalProperties = false;
      Object.values(s).forEach(close);
    }
  })(copy);
  return copy;
}

function xrdIndex(objects) {
  const byKind = new Map();
  for (const o of objects.filter(
    o => o.kind === 'CompositeResourceDefinition',
  )) {
    const v = o.spec.versions.find(x => x.referenceable) ?? o.spec.versions[0];
    byKind.set(`${o.spec.group}/${v.name}/${o.spec.names.kind}`, {
      xrd: o,
      schema: v.schema.openAPIV3Schema,
    });
  }
  return byKind;
}

function claimValidator(index) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const cache = new Map();
  return (claim, where) => {
    const key = `${claim.apiVersion}/${claim.kind}`;
    const entry = index.get(key);
    if (!entry) return problems.push(`${where}: no XRD serves ${key}`);
    if (!cache.has(key)) {
      const schema = closed(entry.schema);
      schema.properties.apiVersion = { type: 'string' };
      schema.properties.kind = { type: 'string' };
      schema.properties.metadata = { type: 'object' };
      schema.properties.spec.properties.crossplane = { type: 'object' };
      cache.set(key, ajv.compile(schema));
      const statusSchema = structuredClone(
        schema.properties.status ?? { type: 'object' },
      );
      cache.set(`${key}#status`, ajv.compile(statusSchema));
    }
    const validate = cache.get(key);
    if (!validate(claim))
      for (const e of validate.errors)
        problems.push(
          `${where}: ${nameOf(claim)}${e.instancePath} ${e.message}${
            e.params?.additionalProperty
              ? ` (${e.params.additionalProperty})`
              : ''
          }`,
        );
    if (entry.xrd.spec.scope === 'Namespaced' && !claim.metadata?.namespace)
      problems.push(
        `${where}: ${nameOf(claim)} is namespaced but has no namespace`,
      );
    if (entry.xrd.spec.scope === 'Cluster' && claim.metadata?.namespace)
      problems.push(
        `${where}: ${nameOf(claim)} is cluster-scoped but has a namespace`,
      );
    return cache.get(`${key}#status`);
  };
}

function claimFiles() {
  const dirs = ['k8s/crossplane/examples', 'test/fixtures/k8s/claims'];
  return dirs.flatMap(d =>
    fs.existsSync(path.join(ROOT, d))
      ? fs
          .readdirSync(path.join(ROOT, d))
          .filter(f => f.endsWith('.yaml'))
          .map(f => path.join(ROOT, d, f))
      : [],
  );
}

function schemaHasPath(schema, fieldPath) {
  let node = schema;
  for (const part of fieldPath.replace(/\[\d+\]/g, '').split('.')) {
    if (!node) return false;
    if (node.properties?.[part]) node = node.properties[part];
    else if (
      node.additionalProperties ||
      node['x-kubernetes-preserve-unknown-fields']
    )
      return true;
    else return false;
  }
  return true;
}

// --- go-templating steps, rendered with helm (scripts/checks/lib/gotemplating.mjs) ---

/** Pretends every rendered resource exists and is healthy, as a later reconcile would see it. */
function observeReady(rendered) {
  const resources = {};
  for (const obj of rendered) {
    const name =
      obj.metadata?.annotations?.[
        'gotemplating.fn.crossplane.io/composition-resource-name'
      ];
    if (!name) continue;
    const status = {
      readyReplicas: 1,
      replicas: 1,
      succeeded: 1,
      conditions: [{ type: 'Ready', status: 'True' }],
      atProvider: {
        manifest: { status: { phase: 'Active' } },
        privateIpAddress: '10.0.0.5',
        fqdn: 'db.example.internal',
      },
    };
    const data =
      obj.kind === 'Secret'
        ? {
            password: Buffer.from('observed-password').toString('base64'),
            ...obj.data,
          }
        : undefined;
    resources[name] = {
      resource: { ...obj, ...(data ? { data } : {}), status },
      connectionDetails: {
        address: Buffer.from('db.example.internal').toString('base64'),
        port: Buffer.from('5432').toString('base64'),
        username: Buffer.from('portaladmin').toString('base64'),
        password: Buffer.from('secret').toString('base64'),
      },
    };
  }
  return resources;
}

function crossplane(files, helm) {
  const objects = files.flatMap(f =>
    loadDocs(f).map(o => Object.assign(o, { __file: f })),
  );
  const index = xrdIndex(objects);
  const functions = new Set(
    objects.filter(o => o.kind === 'Function').map(o => o.metadata.name),
  );
  const compositions = objects.filter(o => o.kind === 'Composition');
  const validateClaim = claimValidator(index);
  const claims = claimFiles().flatMap(f => loadDocs(f).map(o => [f, o]));
  let rendered = 0;

  for (const [file, claim] of claims)
    validateClaim(claim, path.relative(ROOT, file));

  const seen = new Set();
  for (const c of compositions) {
    const id = `${c.__file}: Composition/${c.metadata.name}`;
    const key = `${c.spec.compositeTypeRef.apiVersion}/${c.spec.compositeTypeRef.kind}`;
    const entry = index.get(key);
    if (!entry) problems.push(`${id}: no XRD serves ${key}`);
    for (const step of c.spec.pipeline ?? []) {
      if (functions.size && !functions.has(step.functionRef?.name))
        problems.push(
          `${id}: step ${step.step} uses Function ${step.functionRef?.name}, which is not installed`,
        );
      const input = step.input ?? {};
      if (input.kind === 'Resources' && entry) {
        for (const r of input.resources ?? []) {
          for (const p of r.patches ?? []) {
            const xrPath =
              p.type === 'FromCompositeFieldPath'
                ? p.fromFieldPath
                : p.type === 'ToCompositeFieldPath'
                ? p.toFieldPath
                : undefined;
            if (
              xrPath &&
              /^(spec|status)\./.test(xrPath) &&
              !schemaHasPath(entry.schema, xrPath)
            )
              problems.push(
                `${id}: resource ${r.name} patches ${xrPath}, which the XRD does not define`,
              );
          }
        }
      }
    }
    if (!helm || !entry) continue;
    if (!goTemplatingSteps(c).length) continue;
    const samples = claims.filter(
      ([, o]) => `${o.apiVersion}/${o.kind}` === key,
    );
    if (!samples.length)
      problems.push(`${id}: no example claim of ${key} to render it with`);
    const signature = JSON.stringify(c.spec.pipeline);
    if (seen.has(signature)) continue;
    seen.add(signature);
    for (const [file, sample] of samples) {
      const xr = structuredClone(sample);
      xr.metadata = {
        uid: '3f2a9c1e-0000-4000-8000-000000000000',
        ...xr.metadata,
      };
      let observedResources = {};
      for (const pass of ['fresh', 'observed ready']) {
        let outputs = [];
        try {
          ({ outputs } = renderPipeline(c, xr, {
            observed: observedResources,
            helm,
            onStep: () => rendered++,
          }));
        } catch (e) {
          problems.push(
            `${id} with ${path.relative(ROOT, file)} (${pass}): ${String(
              e.stderr || e.message,
            )
              .trim()
              .split('\n')
              .slice(-3)
              .join(' | ')}`,
          );
          break;
        }
        if (process.env.VALIDATE_K8S_DEBUG)
          console.log(
            `--- ${id} ${path.basename(file)} ${pass}\n${yaml.stringify(
              outputs,
            )}`,
          );
        for (const d of outputs) {
          const where = `${id} with ${path.relative(ROOT, file)} (${pass})`;
          if (`${d.apiVersion}/${d.kind}` === key) {
            const validateStatus = validateClaim(
              { ...xr, status: undefined },
              where,
            );
            if (validateStatus && !validateStatus(d.status ?? {}))
              for (const e of validateStatus.errors)
                problems.push(
                  `${where}: XR status${e.instancePath} ${e.message}`,
                );
            continue;
          }
          if (
            !d.metadata?.annotations?.[
              'gotemplating.fn.crossplane.io/composition-resource-name'
            ]
          )
            problems.push(
              `${where}: ${d.kind} without a composition-resource-name annotation`,
            );
          // Namespaced XRs compose into their own namespace; Crossplane sets it.
          validateKubernetes(
            { ...d, metadata: { name: 'generated', ...d.metadata } },
            where,
          );
        }
        observedResources = observeReady(outputs);
      }
    }
  }
  return `${compositions.length} compositions, ${index.size} XRDs, ${
    functions.size
  } functions, ${claims.length} claims, ${rendered} go-template renders${
    helm ? '' : ' (HELM unset: templates not rendered)'
  }`;
}

function claimsOnly(files) {
  const xrds = fs
    .readdirSync(path.join(ROOT, 'k8s/crossplane/base/apis/xrds'))
    .map(f => path.join(ROOT, 'k8s/crossplane/base/apis/xrds', f));
  const validateClaim = claimValidator(xrdIndex(xrds.flatMap(loadDocs)));
  let n = 0;
  for (const f of files) for (const o of loadDocs(f)) n++, validateClaim(o, f);
  return `${n} claims`;
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  const [command, ...files] = process.argv.slice(2);
  const summary =
    command === 'manifests'
      ? manifests(files)
      : command === 'crossplane'
      ? crossplane(files, process.env.HELM)
      : command === 'claims'
      ? claimsOnly(files)
      : (console.error(
          'usage: validate-k8s.mjs manifests|crossplane|claims <file.yaml>...',
        ),
        process.exit(2));
  if (problems.length) {
    for (const p of problems) console.error(`  ✗ ${p}`);
    console.error(`${problems.length} problem(s); checked ${summary}`);
    process.exit(1);
  }
  console.log(`ok: ${summary}`);
}
