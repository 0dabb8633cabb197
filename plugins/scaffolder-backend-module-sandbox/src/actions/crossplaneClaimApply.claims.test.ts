import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { buildClaim, validateClaim, ClaimObject } from './crossplaneClaimApply';
import { examples } from './crossplaneClaimApply.examples';

/**
 * Every claim the portal can emit validates against its XRD:
 * - the Kubernetes driver's Sandbox and Workspace XRs (committed as test/fixtures/k8s/claims by
 *   the driver's own test, which checks they are exactly what it writes);
 * - the action's examples;
 * - each template step calling crossplane:claim:apply, rendered with parameter defaults and with
 *   every optional parameter set;
 * - the examples in k8s/crossplane/examples.
 */
const ROOT = path.resolve(__dirname, '../../../..');
const TEMPLATES = path.join(ROOT, 'templates');

const SAMPLE_VALUES: Record<string, unknown> = {
  name: 'sample',
  expireAfterDays: 30,
};

function render(value: unknown, parameters: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const single = value.match(/^\$\{\{\s*parameters\.(\w+)\s*\}\}$/);
    if (single) return parameters[single[1]];
    return value;
  }
  if (Array.isArray(value)) return value.map(v => render(v, parameters));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, render(v, parameters)])
        .filter(([, v]) => v !== undefined),
    );
  }
  return value;
}

function claimFromInput(input: any): ClaimObject {
  return buildClaim({
    ...input,
    spec: input.spec ?? {},
    provider: input.provider ?? 'local',
    namespacePrefix: 'ws-',
  });
}

const templateSteps = fs
  .readdirSync(TEMPLATES, { withFileTypes: true })
  .filter(
    d =>
      d.isDirectory() &&
      fs.existsSync(path.join(TEMPLATES, d.name, 'template.yaml')),
  )
  .flatMap(d => {
    const template = yaml.parse(
      fs.readFileSync(path.join(TEMPLATES, d.name, 'template.yaml'), 'utf8'),
    );
    const pages = [template.spec.parameters ?? []].flat();
    const properties = Object.assign(
      {},
      ...pages.map((p: any) => p.properties ?? {}),
    );
    return template.spec.steps
      .filter((s: any) => s.action === 'crossplane:claim:apply')
      .map((s: any) => [d.name, s, properties]);
  });

describe('every claim the portal emits validates against its XRD', () => {
  it('finds the claim-emitting templates', () => {
    expect(templateSteps.map(([name]: any) => name).sort()).toEqual([
      'bucket',
      'postgres-database',
    ]);
  });

  it.each(templateSteps)('template %s', (_name, step, properties) => {
    const defaults: Record<string, unknown> = {};
    const everything: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries<any>(properties)) {
      const value = schema.default ?? SAMPLE_VALUES[key];
      if (schema.default !== undefined || schema.required)
        defaults[key] = value;
      everything[key] =
        value ??
        (schema.enum ? schema.enum[schema.enum.length - 1] : undefined);
      if (schema.enum) everything[key] = schema.enum[schema.enum.length - 1];
    }
    defaults.name = 'sample';
    for (const parameters of [defaults, everything]) {
      const claim = claimFromInput(render(step.input, parameters));
      expect(validateClaim(claim)).toEqual([]);
    }
  });

  it.each(examples.map(e => [e.description, e]))(
    'action example: %s',
    (_d, example) => {
      const input = yaml.parse(example.example).steps[0].input;
      expect(validateClaim(claimFromInput(input))).toEqual([]);
    },
  );

  const fixtures = [
    ...fs
      .readdirSync(path.join(ROOT, 'test/fixtures/k8s/claims'))
      .map(f => path.join('test/fixtures/k8s/claims', f)),
    ...fs
      .readdirSync(path.join(ROOT, 'k8s/crossplane/examples'))
      .map(f => path.join('k8s/crossplane/examples', f)),
  ].filter(f => f.endsWith('.yaml'));

  it.each(fixtures)('%s', file => {
    const claim = yaml.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    expect(
      validateClaim({ ...claim, metadata: { labels: {}, ...claim.metadata } }),
    ).toEqual([]);
  });
});
