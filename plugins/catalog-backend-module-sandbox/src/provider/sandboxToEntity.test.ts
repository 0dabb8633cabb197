import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { makeSandbox } from '../__testUtils__/FakeSandboxListServer';
import { sandboxToEntity } from './sandboxToEntity';

/** The checks the catalog runs on every entity it ingests. */
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Whether the catalog would accept the entity (throws with the reason when not). */
async function isValid(entity: ReturnType<typeof sandboxToEntity>) {
  return (
    (await policy.enforce(entity)) !== undefined &&
    (await resourceEntityV1alpha1Validator.check(entity))
  );
}

describe('sandboxToEntity', () => {
  it('describes a sandbox as a Resource of type sandbox in its workspace', async () => {
    const sandbox = makeSandbox(1, {
      name: 'my-box',
      workspace: 'team-a',
      expiresAt: '2025-01-01T08:00:00.000Z',
    });

    const entity = sandboxToEntity(sandbox);

    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'sandbox-my-box',
        namespace: 'team-a',
        title: 'Sandbox my-box',
        description:
          'python sandbox (small: 0.5 vCPU, 512 MiB memory, 5 GiB disk) created by user:default/alice. State: running. Expires at 2025-01-01T08:00:00.000Z.',
        annotations: {
          'portal.sandbox/id': 'sbx-1',
          'backstage.io/managed-by-location': 'sandbox:sbx-1',
          'backstage.io/managed-by-origin-location': 'sandbox:sbx-1',
          'backstage.io/kubernetes-label-selector': 'portal.sandbox/id=sbx-1',
          'backstage.io/kubernetes-namespace': 'ws-team-a',
          'portal.sandbox/owner': 'user:default/alice',
          'grafana/panel-urls':
            'sandbox-portal-sandboxes/20?var-sandbox=sbx-1, sandbox-portal-sandboxes/21?var-sandbox=sbx-1',
          'grafana/overview-dashboard': 'sandbox-portal-sandboxes?var-sandbox=sbx-1',
        },
        labels: {
          'portal.sandbox/state': 'running',
          'portal.sandbox/template': 'python',
          'portal.sandbox/size': 'small',
        },
        links: [
          {
            url: 'http://portal.test/sandboxes/sbx-1',
            title: 'Sandbox page',
            icon: 'dashboard',
            type: 'portal',
          },
          {
            url: sandbox.links.vscode,
            title: 'Open in VS Code',
            icon: 'app',
            type: 'vscode',
          },
          {
            url: sandbox.links.jetbrainsGateway,
            title: 'Open in JetBrains Gateway',
            icon: 'app',
            type: 'jetbrains-gateway',
          },
        ],
      },
      spec: { type: 'sandbox', owner: 'group:default/team-a' },
    });
    expect(stringifyEntityRef(entity)).toBe(sandbox.entityRef);
    expect(await isValid(entity)).toBe(true);
  });

  it('is owned by the user when the sandbox has no group, and links only what exists', async () => {
    const entity = sandboxToEntity(
      makeSandbox(2, {
        ownerGroup: undefined,
        state: 'failed',
        reason: 'image not found',
        links: { portal: 'http://portal.test/sandboxes/sbx-2' },
      }),
    );

    expect(entity.spec.owner).toBe('user:default/alice');
    expect(entity.metadata.links).toHaveLength(1);
    expect(entity.metadata.description).toContain(
      'State: failed (image not found).',
    );
    expect(await isValid(entity)).toBe(true);
  });

  it.each([
    ['My Template!!', 'My-Template'],
    ['--', 'unknown'],
    ['x'.repeat(100), 'x'.repeat(63)],
  ])('turns template %j into a valid label value', async (template, label) => {
    const entity = sandboxToEntity(makeSandbox(3, { template }));

    expect(entity.metadata.labels!['portal.sandbox/template']).toBe(label);
    expect(await isValid(entity)).toBe(true);
  });

  it('accepts the longest names', async () => {
    const entity = sandboxToEntity(
      makeSandbox(4, { name: `a${'b'.repeat(39)}`, workspace: 'w'.repeat(63) }),
    );
    expect(await isValid(entity)).toBe(true);
  });
});
