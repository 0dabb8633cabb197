import { KubeConfig } from '@kubernetes/client-node';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { KubernetesDriver } from './KubernetesDriver';
import { KubernetesWorkspaceProvisioner } from './KubernetesWorkspaceProvisioner';
import { CompositionProvider } from './claims';

/**
 * Opt-in: runs against the cluster KUBECONFIG points at, which must have Crossplane and
 * k8s/crossplane installed (docs/operators/kubernetes.md). PORTAL_K8S_PROVIDER picks the
 * compositions (default local), PORTAL_K8S_IMAGE the sandbox image (default busybox:1.36).
 */
const run = Boolean(process.env.KUBECONFIG);
if (!run) {
  // eslint-disable-next-line no-console
  console.info(
    'KubernetesDriver cluster suite skipped: KUBECONFIG is unset. Set it to a cluster with Crossplane and k8s/crossplane installed to run it.',
  );
}

(run ? describe : describe.skip)(
  'KubernetesDriver against a real cluster',
  () => {
    jest.setTimeout(15 * 60_000);
    const id = `it${Date.now().toString(16)}`;
    let driver: KubernetesDriver;

    beforeAll(() => {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      const provider = (process.env.PORTAL_K8S_PROVIDER ??
        'local') as CompositionProvider;
      driver = new KubernetesDriver({
        kubeConfig,
        provider,
        workspaces: new KubernetesWorkspaceProvisioner({
          kubeConfig,
          provider,
        }),
      });
    });

    afterAll(async () => {
      await driver
        ?.remove(`${driver.namespaceFor('it')}/sbx-${id}`)
        .catch(() => undefined);
    });

    it('runs one sandbox through its life', async () => {
      await driver.healthCheck();
      const instance = await driver.create({
        id,
        name: 'it-box',
        workspace: 'it',
        owner: 'user:default/it',
        image: process.env.PORTAL_K8S_IMAGE ?? 'busybox:1.36',
        size: SANDBOX_SIZES.small,
        env: { GREETING: 'hello' },
        network: false,
        labels: { 'portal.sandbox/id': id },
      });
      expect(instance.status).toBe('running');
      expect((await driver.list()).map(i => i.externalId)).toContain(
        instance.externalId,
      );

      const result = await driver.exec(instance.externalId, {
        command: ['sh', '-c', 'echo $GREETING; id -u; exit 3'],
        timeoutSeconds: 30,
      });
      expect(result).toMatchObject({ exitCode: 3, stdout: 'hello\n1000\n' });
      expect(await driver.logs(instance.externalId)).toContain(
        `sandbox sbx-${id} started`,
      );

      await driver.stop(instance.externalId);
      expect((await driver.inspect(instance.externalId))?.status).toBe(
        'stopped',
      );
      expect((await driver.start(instance.externalId)).status).toBe('running');

      await driver.remove(instance.externalId);
    });
  },
);
