import fs from 'node:fs';
import path from 'node:path';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { REPO_ROOT, xrdErrors } from './__testUtils__/xrdSchema';
import {
  cpuQuantity,
  diskQuantity,
  isLabelKey,
  memoryQuantity,
  namespaceFor,
  sandboxClaimFor,
  sandboxNameFor,
  toKubernetesLabels,
  toLabelValue,
  workspaceClaimFor,
} from './claims';

/** Claims the driver emits, committed as fixtures so `scripts/checks/k8s.sh` and the scaffolder tests validate the same bodies. */
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/k8s/claims');

const spec = {
  id: '0123456789abcdef',
  name: 'my-box',
  workspace: 'team-a',
  owner: 'user:default/jane',
  image: 'portal-sandbox/node:latest',
  size: SANDBOX_SIZES.medium,
  env: { NODE_ENV: 'development' },
  network: false,
  labels: { 'portal.sandbox/template': 'node', 'a/b/c': 'dropped from labels' },
};

describe('claims the driver emits', () => {
  it.each(Object.keys(SANDBOX_SIZES))(
    'a %s Sandbox validates against its XRD',
    size => {
      const body = sandboxClaimFor(
        {
          ...spec,
          size: SANDBOX_SIZES[size],
          network: true,
          repo: { url: 'git@github.com:example/app.git' },
        },
        { namespace: 'ws-team-a', provider: 'aws', storageClassName: 'gp3' },
      );
      expect(xrdErrors(body)).toEqual([]);
    },
  );

  it('matches the committed fixtures (driver-sandbox.yaml, driver-workspace.yaml)', () => {
    const sandbox = sandboxClaimFor(spec, {
      namespace: 'ws-team-a',
      provider: 'local',
    });
    const workspace = workspaceClaimFor(
      'team-a',
      { cpus: 8, memoryMiB: 16384, maxSandboxes: 10 },
      {
        provider: 'local',
        serviceAccount: { name: 'sandbox-portal', namespace: 'sandbox-portal' },
      },
    );
    if (process.env.UPDATE_FIXTURES) {
      const header =
        '# Written by plugins/sandbox-backend/src/drivers/kubernetes/claims.test.ts (UPDATE_FIXTURES=1).\n';
      fs.writeFileSync(
        path.join(FIXTURES, 'driver-sandbox.yaml'),
        header + dumpYaml(sandbox),
      );
      fs.writeFileSync(
        path.join(FIXTURES, 'driver-workspace.yaml'),
        header + dumpYaml(workspace),
      );
    }
    expect(
      loadYaml(
        fs.readFileSync(path.join(FIXTURES, 'driver-sandbox.yaml'), 'utf8'),
      ),
    ).toEqual(sandbox);
    expect(
      loadYaml(
        fs.readFileSync(path.join(FIXTURES, 'driver-workspace.yaml'), 'utf8'),
      ),
    ).toEqual(workspace);
    expect(xrdErrors(sandbox)).toEqual([]);
    expect(xrdErrors(workspace)).toEqual([]);
  });

  it('catches what the API server would silently prune or reject', () => {
    const body = sandboxClaimFor(spec, {
      namespace: 'ws-team-a',
      provider: 'local',
    }) as any;
    body.spec.imagePullPolicy = 'Always';
    body.spec.cpu = 'lots';
    expect(xrdErrors(body)).toEqual([
      '/spec must NOT have additional properties (imagePullPolicy)',
      '/spec/cpu must match pattern "^([1-9][0-9]*m|[0-9]+(\\.[0-9]+)?)$"',
    ]);
  });
});

describe('naming and label rules', () => {
  it('names namespaces and XRs as DNS labels', () => {
    expect(namespaceFor('team-a')).toBe('ws-team-a');
    expect(namespaceFor('team-a', '')).toBe('team-a');
    expect(() => namespaceFor('x'.repeat(62))).toThrow(/at most 63/);
    expect(sandboxNameFor('ABCDEF')).toBe('sbx-abcdef');
    expect(() => sandboxNameFor('a'.repeat(49))).toThrow(/at most 48/);
  });

  it('keeps only valid label keys and makes values valid', () => {
    expect(isLabelKey('portal.sandbox/id')).toBe(true);
    expect(isLabelKey('app')).toBe(true);
    expect(isLabelKey('a/b/c')).toBe(false);
    expect(isLabelKey('Bad_Prefix/x')).toBe(false);
    expect(isLabelKey(`p/${'x'.repeat(64)}`)).toBe(false);
    expect(toLabelValue('user:default/jane')).toBe('user_default_jane');
    expect(toLabelValue('--x--')).toBe('x');
    expect(toLabelValue('y'.repeat(70))).toHaveLength(63);
    expect(
      toKubernetesLabels({ ok: 'v', 'a/b/c': 'v', 'x/y': 'group:t/a' }),
    ).toEqual({ ok: 'v', 'x/y': 'group_t_a' });
  });

  it('converts sizes to quantities', () => {
    expect(cpuQuantity(0.5)).toBe('500m');
    expect(cpuQuantity(2)).toBe('2');
    expect(cpuQuantity(1.25)).toBe('1250m');
    expect(memoryQuantity(2048)).toBe('2048Mi');
    expect(diskQuantity(10)).toBe('10Gi');
    expect(diskQuantity(0.5)).toBe('512Mi');
  });
});
