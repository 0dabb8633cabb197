import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  SANDBOX_SIZES,
  sandboxNameSchema,
} from '@internal/plugin-sandbox-common';
import {
  createSandboxCreateAction,
  sandboxCreateInputSchema,
} from './actions/sandboxCreate';
import { sandboxDeleteInputSchema } from './actions/sandboxDelete';
import { FakeSandboxServer } from './__testUtils__/FakeSandboxServer';
import {
  mockContext,
  objectSchemaOf,
  servicesFor,
} from './__testUtils__/actionTestUtils';

/**
 * The repository's software templates, checked against the actions they call: every file parses,
 * is listed in templates/all.yaml, and every sandbox step's input (with `${{ }}` expressions
 * filled from parameter defaults or sample values) passes the action's input schema and runs
 * against a fake sandbox backend, whose outputs then fill the template's output links.
 */

const TEMPLATES_DIR = path.resolve(__dirname, '../../../templates');

const INPUT_SCHEMAS: Record<string, ReturnType<typeof objectSchemaOf>> = {
  'sandbox:create': objectSchemaOf(sandboxCreateInputSchema),
  'sandbox:delete': objectSchemaOf(sandboxDeleteInputSchema),
};

/** Values for parameters without a default. */
const SAMPLE_VALUES: Record<string, unknown> = {
  name: 'test-box',
  ownerGroup: 'group:default/platform-team',
  repoUrl: 'https://github.com/example/app.git',
};

const templateFiles = fs
  .readdirSync(TEMPLATES_DIR, { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => path.join(d.name, 'template.yaml'))
  .filter(file => fs.existsSync(path.join(TEMPLATES_DIR, file)));

function load(file: string): any {
  return yaml.parse(fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8'));
}

/** All parameter properties of a template, across its form pages. */
function parameterProperties(template: any): Record<string, any> {
  const pages = [template.spec.parameters ?? []].flat();
  return Object.assign({}, ...pages.map((p: any) => p.properties ?? {}));
}

/** Parameter values: the defaults, sample values for the rest. */
function parameterValues(
  properties: Record<string, any>,
  overrides: Record<string, unknown> = {},
) {
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const value = schema.default ?? SAMPLE_VALUES[key];
    if (value !== undefined) {
      values[key] = value;
    }
  }
  return { ...values, ...overrides };
}

/** Resolves `parameters.x`, `steps['id'].output.a.b` or `steps.id.output.a`. */
function lookup(expression: string, context: Record<string, unknown>) {
  const parts = expression
    .trim()
    .replace(/\[\s*['"]([^'"]+)['"]\s*\]/g, '.$1')
    .split('.');
  if (!parts.every(p => /^[A-Za-z_][\w-]*$/.test(p))) {
    throw new Error(`Unsupported expression in test renderer: ${expression}`);
  }
  return parts.reduce<any>((value, key) => value?.[key], context);
}

/**
 * A small stand-in for the scaffolder's value rendering: a string that is a single `${{ }}`
 * keeps the value's type (undefined drops the key), embedded expressions are interpolated.
 */
function render(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const single = value.match(/^\$\{\{([^}]+)\}\}$/);
    if (single) {
      return lookup(single[1], context);
    }
    return value.replace(/\$\{\{([^}]+)\}\}/g, (_m, expr) =>
      String(lookup(expr, context) ?? ''),
    );
  }
  if (Array.isArray(value)) {
    return value.map(v => render(v, context));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, render(v, context)])
        .filter(([, v]) => v !== undefined),
    );
  }
  return value;
}

describe('templates', () => {
  it('lists every template folder in all.yaml, and nothing else', () => {
    const location = load('all.yaml');
    expect(location.kind).toBe('Location');
    const targets = location.spec.targets.map((t: string) => path.normalize(t));
    expect([...targets].sort()).toEqual([...templateFiles].sort());
    expect(targets).toContain(path.normalize('hello-sandbox/template.yaml'));
  });

  describe.each(templateFiles)('%s', file => {
    const template = load(file);

    it('is a v1beta3 template with owner, title, description and tags', () => {
      expect(template.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
      expect(template.kind).toBe('Template');
      expect(template.metadata.name).toMatch(/^[a-z0-9-]+$/);
      expect(template.metadata.title).toEqual(expect.any(String));
      expect(template.metadata.description.length).toBeGreaterThan(20);
      expect(template.metadata.tags.length).toBeGreaterThan(0);
      expect(template.spec.owner).toBe('group:default/platform-team');
      expect(template.spec.steps.length).toBeGreaterThan(0);
    });

    it('gives every sandbox step an input its action accepts', () => {
      const properties = parameterProperties(template);
      for (const withRepo of [true, false]) {
        const parameters = parameterValues(
          properties,
          withRepo ? {} : { repoUrl: undefined },
        );
        for (const step of template.spec.steps) {
          const schema = INPUT_SCHEMAS[step.action];
          if (!schema) {
            continue;
          }
          const input = render(step.input, { parameters, steps: {} });
          const result = schema.safeParse(input);
          expect(result.error?.issues ?? []).toEqual([]);
        }
      }
    });
  });

  describe.each(
    templateFiles.filter(file =>
      load(file).spec.steps.some((s: any) => s.action === 'sandbox:create'),
    ),
  )('sandbox template %s', file => {
    const template = load(file);
    const properties = parameterProperties(template);
    const createStep = template.spec.steps.find(
      (s: any) => s.action === 'sandbox:create',
    );
    let server: FakeSandboxServer;

    beforeEach(async () => {
      server = await FakeSandboxServer.start();
    });

    afterEach(async () => {
      await server.stop();
    });

    it('asks for the standard sandbox parameters', () => {
      const pattern = new RegExp(properties.name.pattern);
      for (const ok of ['a', 'my-box', 'a'.repeat(40)]) {
        expect(pattern.test(ok)).toBe(true);
        expect(sandboxNameSchema.safeParse(ok).success).toBe(true);
      }
      for (const bad of ['', 'My-box', '1box', 'box-', 'a'.repeat(41)]) {
        expect(pattern.test(bad)).toBe(false);
        expect(sandboxNameSchema.safeParse(bad).success).toBe(false);
      }
      expect(properties.workspace.default).toBe('default');
      expect(properties.ownerGroup['ui:field']).toBe('OwnerPicker');
      expect(properties.ownerGroup['ui:options'].catalogFilter).toEqual({
        kind: 'Group',
      });
      expect(properties.size.enum).toEqual(Object.keys(SANDBOX_SIZES));
      properties.size.enum.forEach((size: string, i: number) => {
        const { cpus } = SANDBOX_SIZES[size];
        expect(properties.size.enumNames[i]).toContain(`${cpus} vCPU`);
      });
      expect(properties.repoUrl.type).toBe('string');
      expect(properties.ttlHours).toMatchObject({
        type: 'integer',
        minimum: 1,
        default: 8,
      });
      expect(createStep.id).toBe('create');
    });

    it('runs against the sandbox backend and links to what it created', async () => {
      const parameters = parameterValues(properties);
      const input = render(createStep.input, { parameters, steps: {} }) as any;
      const { ctx } = mockContext({ ...input, pollIntervalMs: 10 });
      await createSandboxCreateAction(servicesFor(server)).handler(ctx);

      const [post] = server.requestsTo('POST', '/sandboxes');
      expect(post.body).toMatchObject({
        name: 'test-box',
        workspace: 'default',
        size: parameters.size,
        ttlSeconds: 8 * 3600,
        ownerGroup: 'group:default/platform-team',
        repo: { url: 'https://github.com/example/app.git' },
      });

      const stepOutput = Object.fromEntries(
        (ctx.output as jest.Mock).mock.calls,
      );
      const output = render(template.spec.output, {
        parameters,
        steps: { create: { output: stepOutput } },
      }) as any;
      const sandbox = server.sandboxes.get('sbx-1')!;
      expect(output.links).toEqual([
        expect.objectContaining({
          title: 'Open in VS Code',
          url: sandbox.links.vscode,
        }),
        expect.objectContaining({
          title: 'Open in JetBrains Gateway',
          url: sandbox.links.jetbrainsGateway,
        }),
        expect.objectContaining({
          title: 'Sandbox page',
          url: sandbox.links.portal,
        }),
        expect.objectContaining({
          entityRef: 'resource:default/sandbox-test-box',
        }),
      ]);
      expect(output.entityRef).toBe('resource:default/sandbox-test-box');
    });
  });

  describe('template ids', () => {
    it.each([
      ['python-sandbox/template.yaml', 'python', false],
      ['node-sandbox/template.yaml', 'node', false],
      ['ollama-sandbox/template.yaml', 'ollama', true],
    ])('%s creates a %s sandbox', (file, templateName, network) => {
      const step = load(file).spec.steps[0];
      expect(step.action).toBe('sandbox:create');
      expect(step.input.template).toBe(templateName);
      const parameters = parameterValues(parameterProperties(load(file)));
      const input = render(step.input, { parameters, steps: {} }) as any;
      expect(input.network).toBe(network);
    });

    it('passes the Ollama model as OLLAMA_MODEL', () => {
      const template = load('ollama-sandbox/template.yaml');
      const properties = parameterProperties(template);
      expect(properties.model).toMatchObject({
        type: 'string',
        default: 'llama3.2',
      });
      expect(properties.model.description).toMatch(/proxies .*models list/);
      const input = render(template.spec.steps[0].input, {
        parameters: parameterValues(properties, { model: 'qwen2.5-coder' }),
        steps: {},
      }) as any;
      expect(input.env).toEqual({ OLLAMA_MODEL: 'qwen2.5-coder' });
    });
  });
});
