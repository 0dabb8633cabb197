import net from 'node:net';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { AgentClient } from '../../agent/AgentClient';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { KubernetesDriver } from './KubernetesDriver';
import { KubernetesWorkspaceProvisioner } from './KubernetesWorkspaceProvisioner';
import { CompositionProvider } from './claims';

/**
 * Opt-in: runs against the cluster KUBECONFIG points at, which must have Crossplane and
 * k8s/crossplane installed (docs/operators/kubernetes.md). PORTAL_K8S_PROVIDER picks the
 * compositions (default local), PORTAL_K8S_IMAGE the sandbox image (default busybox:1.36: the
 * agent brings its own Node and libraries). The compositions' settings.portalImage must be
 * pullable by the cluster. The agent is reached through a port-forward of the API server (the
 * test runs outside the cluster; the portal itself connects to the pod IP).
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
    let kubeConfig: KubeConfig;

    beforeAll(() => {
      kubeConfig = new KubeConfig();
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
        // the main process, run by the agent after its `--`, as 1001:1001
        process: {
          command: [
            'sh',
            '-c',
            `echo "sandbox sbx-${id} started"; exec sleep 3600`,
          ],
          uid: 1001,
        },
      });
      expect(instance.status).toBe('running');
      expect((await driver.list()).map(i => i.externalId)).toContain(
        instance.externalId,
      );

      const result = await driver.exec(instance.externalId, {
        command: ['sh', '-c', 'echo $GREETING; id -u; exit 3'],
        timeoutSeconds: 30,
      });
      expect(result).toMatchObject({ exitCode: 3, stdout: 'hello\n1001\n' });
      expect(await driver.logs(instance.externalId)).toContain(
        `sandbox sbx-${id} started`,
      );

      // the agent: pod IP, 7070 and the token from the Secret the composition made
      const endpoint = await driver.agentEndpoint(instance.externalId);
      expect(endpoint).toMatchObject({ kind: 'tcp', port: 7070 });
      if (endpoint?.kind !== 'tcp') throw new Error('no TCP endpoint');
      const [namespace, name] = instance.externalId.split('/');
      const forward = net.createServer(socket => {
        new PortForward(kubeConfig)
          .portForward(
            namespace,
            `${name}-0`,
            [endpoint.port],
            socket,
            null,
            socket,
          )
          .catch(() => socket.destroy());
      });
      await new Promise<void>(r => forward.listen(0, '127.0.0.1', r));
      const local = (forward.address() as net.AddressInfo).port;
      const agent = new AgentClient({
        ...endpoint,
        host: '127.0.0.1',
        port: local,
      });
      const wrong = new AgentClient({
        ...endpoint,
        host: '127.0.0.1',
        port: local,
        token: 'wrong',
      });
      try {
        const viaAgent = await agent.exec({
          command: [
            'sh',
            '-c',
            'echo "$GREETING [$PORTAL_AGENT_TOKEN]"; id -u; pwd',
          ],
        });
        expect(viaAgent).toMatchObject({
          exitCode: 0,
          stdout: 'hello []\n1001\n/workspace\n',
        });
        await agent.writeFile('/workspace/agent.txt', 'through the pod');
        expect(
          (
            await driver.exec(instance.externalId, {
              command: ['cat', '/workspace/agent.txt'],
            })
          ).stdout,
        ).toBe('through the pod');
        await expect(wrong.exec({ command: ['true'] })).rejects.toMatchObject({
          status: 401,
        });
      } finally {
        agent.close();
        wrong.close();
        forward.close();
      }

      await driver.stop(instance.externalId);
      expect((await driver.inspect(instance.externalId))?.status).toBe(
        'stopped',
      );
      expect(await driver.agentEndpoint(instance.externalId)).toBeUndefined();
      expect((await driver.start(instance.externalId)).status).toBe('running');

      await driver.remove(instance.externalId);
    });
  },
);
