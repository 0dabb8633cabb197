import { DriverError } from '../types';
import { FakeKubeApi } from './__testUtils__/FakeKubeApi';
import { testSpec } from './__testUtils__/sandboxSpec';
import { xrdErrors } from './__testUtils__/xrdSchema';
import { KubernetesDriver } from './KubernetesDriver';

const FAST = { pollIntervalMs: 5, readyTimeoutMs: 1000 };

const spec = testSpec;

/**
 * Plays Crossplane with the composition's pause rule: the pod runs only while replicas is 1 and
 * paused is not true; the pod takes `podLingers` reads to go away (termination grace).
 */
function playCrossplane(
  api: FakeKubeApi,
  options: { podLingers?: number } = {},
) {
  let lingering = 0;
  api.controller = (obj, plural) => {
    if (plural !== 'sandboxes') return;
    const wantRunning = obj.spec.replicas !== 0 && !obj.spec.paused;
    const hadPod = (obj.status?.replicas ?? 0) > 0;
    let replicas = wantRunning ? 1 : 0;
    if (!wantRunning && hadPod && lingering < (options.podLingers ?? 0)) {
      lingering++;
      replicas = 1;
    } else if (wantRunning) {
      lingering = 0;
    }
    let phase = 'Running';
    if (!replicas) phase = obj.spec.replicas === 0 ? 'Stopped' : 'Paused';
    obj.status = {
      phase,
      replicas,
      ...(replicas ? { podName: `${obj.metadata.name}-0` } : {}),
      conditions: [
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          lastTransitionTime: '2030-01-01T10:00:00Z',
        },
      ],
    };
  };
}

describe('KubernetesDriver pause / resume (spec.paused)', () => {
  let api: FakeKubeApi;
  let driver: KubernetesDriver;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.validate = obj => xrdErrors(obj);
    driver = new KubernetesDriver({ kubeConfig: api.kubeConfig(), ...FAST });
  });

  afterEach(async () => {
    await api.stop();
  });

  it('pauses by setting spec.paused (waiting for the pod to go), reports paused, and resumes', async () => {
    playCrossplane(api, { podLingers: 2 });
    const { externalId } = await driver.create(spec);
    await driver.pause(externalId);
    const patches = api.requestsTo('PATCH', /sbx-0123456789abcdef$/);
    expect(patches.map(p => [p.contentType, p.body])).toEqual([
      ['application/merge-patch+json', { spec: { paused: true } }],
    ]);
    expect(await driver.inspect(externalId)).toMatchObject({
      status: 'paused',
    });
    expect(
      api.get('sandboxes', 'ws-team-a', 'sbx-0123456789abcdef')?.spec,
    ).toMatchObject({ paused: true, replicas: 1 });
    await driver.pause(externalId); // already paused: no second patch
    expect(api.requestsTo('PATCH', /sbx-/)).toHaveLength(1);
    await expect(
      driver.exec(externalId, { command: ['true'] }),
    ).rejects.toThrow('is not running (paused)');

    const resumed = await driver.resume(externalId);
    expect(resumed.status).toBe('running');
    expect(api.requestsTo('PATCH', /sbx-/)[1].body).toEqual({
      spec: { paused: false },
    });
    expect((await driver.resume(externalId)).status).toBe('running'); // running: nothing to patch
    expect(api.requestsTo('PATCH', /sbx-/)).toHaveLength(2);
  });

  it('reports a pausing sandbox while its pod still runs', async () => {
    api.put('sandboxes', {
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Sandbox',
      metadata: {
        name: 'sbx-1',
        namespace: 'ws-a',
        labels: { 'portal.sandbox/managed': 'true', 'portal.sandbox/id': '1' },
      },
      spec: {
        replicas: 1,
        paused: true,
        cpu: '1',
        memory: '1Gi',
        network: false,
      },
      status: { replicas: 1 },
    });
    expect(await driver.inspect('ws-a/sbx-1')).toMatchObject({
      status: 'paused',
      message: 'pausing',
    });
  });

  it('stops a paused sandbox as stopped (clearing paused, so start runs it), and refuses to pause a stopped one', async () => {
    playCrossplane(api);
    const { externalId } = await driver.create(spec);
    await driver.pause(externalId);
    await driver.stop(externalId);
    expect(api.requestsTo('PATCH', /sbx-/)[1].body).toEqual({
      spec: { replicas: 0, paused: false },
    });
    expect(await driver.inspect(externalId)).toMatchObject({
      status: 'stopped',
    });
    const error = await driver.pause(externalId).catch(e => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error.message).toBe(
      `sandbox ${externalId} cannot be paused: it is stopped`,
    );
    await expect(driver.resume(externalId)).rejects.toThrow(
      'cannot be resumed: it is stopped, not paused',
    );
    expect((await driver.start(externalId)).status).toBe('running');
  });

  it('gives up when the pod does not go away in time', async () => {
    playCrossplane(api, { podLingers: 1_000_000 });
    const { externalId } = await driver.create(spec);
    await expect(driver.pause(externalId)).rejects.toThrow(
      `the pod of sandbox ${externalId} was still running 1 s after pausing`,
    );
  });
});
