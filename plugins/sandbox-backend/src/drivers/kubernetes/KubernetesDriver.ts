import { Writable } from 'node:stream';
import type { Config } from '@backstage/config';
import {
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  KubeConfig,
  PatchStrategy,
  V1Pod,
  V1Status,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ExecResult } from '@internal/plugin-sandbox-common';
import {
  AgentEndpoint,
  DriverError,
  DriverExecRequest,
  DriverLogger,
  DriverUnavailableError,
  RuntimeStatus,
  SANDBOX_LABELS,
  SandboxDriver,
  SandboxInstance,
  SandboxSpec,
} from '../types';
import {
  COMPOSITION_PROVIDERS,
  CompositionProvider,
  DEFAULT_NAMESPACE_PREFIX,
  ORIGINAL_LABELS_ANNOTATION,
  PLATFORM_GROUP,
  PLATFORM_VERSION,
  SANDBOX_PLURAL,
  WorkspaceQuota,
  namespaceFor,
  sandboxClaimFor,
} from './claims';
import {
  apiMessage,
  isConflict,
  isNotFound,
  loadKubeConfig,
  toDriverError,
} from './kubeClient';
import { KubernetesWorkspaceProvisioner } from './KubernetesWorkspaceProvisioner';
import {
  ObservedXR,
  conditionOf,
  crossplaneVerdict,
  pollUntil,
} from './status';

/** The container of a sandbox pod (k8s/crossplane/base/compositions/sandboxes.yaml). */
export const SANDBOX_CONTAINER = 'sandbox';
/** The named container port of the portal agent in the sandbox pod (the composition's 7070). */
export const AGENT_PORT_NAME = 'agent';
/** Label the composition puts on the sandbox pod, naming its Sandbox XR. */
export const POD_SELECTOR_LABEL = `${PLATFORM_GROUP}/sandbox`;
/** Container states that will not get better by waiting. */
const TERMINAL_WAITING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
]);

/** A writable that keeps at most `limit` bytes. */
class CappedBuffer extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {
    super();
  }
  _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const room = this.limit - this.size;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(part));
      this.size += part.length;
    }
    callback();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface KubernetesDriverOptions {
  kubeConfig: KubeConfig;
  /** Composition label `provider` the Sandbox XRs select (default `local`). */
  provider?: CompositionProvider;
  /** Workspace namespaces are `<prefix><workspace>` (default `ws-`). */
  namespacePrefix?: string;
  /** StorageClass of sandbox volumes; the composition's default when absent. */
  storageClassName?: string;
  /** When set, create() first makes sure the workspace's Workspace XR exists and is Ready. */
  workspaces?: KubernetesWorkspaceProvisioner;
  /** How long create() and start() wait for Ready (default 600 s: image pulls, volume binding). */
  readyTimeoutMs?: number;
  /** Pause between two status reads while waiting (default 2 s). */
  pollIntervalMs?: number;
  /** Bound on `exec` when the request names no timeout (default 300 s). */
  defaultExecTimeoutSeconds?: number;
  /** Cap on the collected output of one exec, per stream (default 8 MiB). */
  maxExecOutputBytes?: number;
  /**
   * How long agentEndpoint() reuses what it read (pod IP, token) before asking the API server
   * again (default 2000 ms; pause, stop and remove forget it at once).
   */
  agentEndpointCacheMs?: number;
  logger?: { info(message: string): void; warn(message: string): void };
}

/**
 * Runs each sandbox as a Crossplane `Sandbox` XR (platform.portal.internal/v1alpha1, namespaced,
 * Crossplane v2) in its workspace's namespace; the Composition selected by the `provider` label
 * turns it into a StatefulSet of 0 or 1 pod, a /workspace volume, a Service and NetworkPolicies.
 *
 * - externalId is `<namespace>/<name>`, the name `sbx-<sandbox id>`;
 * - create() writes the XR and polls it: Ready=True -> running; Synced=False (Crossplane cannot
 *   compose it), a Failed phase or a pod stuck in ImagePullBackOff & co -> the XR is deleted and
 *   a DriverError carries the message. Polling rather than watching: one GET every few seconds
 *   per sandbox being created is cheap, and it survives API server restarts without re-list logic;
 * - pause()/resume() set spec.paused true/false: the composition scales the pod to zero and keeps
 *   the volume (phase Paused); pause resolves once the pod is gone, resume once it is Ready again;
 * - stop()/start() set spec.replicas to 0/1 (the volume stays); remove() deletes the XR and
 *   Crossplane deletes what it composed, the volume included;
 * - exec and logs go to the pod `<name>-0` through the API server (WebSocket exec, pod log).
 */
export class KubernetesDriver implements SandboxDriver {
  readonly name = 'kubernetes';
  readonly provider: CompositionProvider;
  readonly namespacePrefix: string;
  private readonly kc: KubeConfig;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly server?: string;
  private readonly readyTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly defaultExecTimeoutSeconds: number;
  private readonly maxExecOutputBytes: number;
  private readonly creating = new Map<string, Promise<SandboxInstance>>();
  private readonly agentEndpointCacheMs: number;
  private readonly endpoints = new Map<string, { endpoint: AgentEndpoint; expires: number }>();

  constructor(private readonly options: KubernetesDriverOptions) {
    this.kc = options.kubeConfig;
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.server = this.kc.getCurrentCluster()?.server;
    this.provider = options.provider ?? 'local';
    this.namespacePrefix = options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 600_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.defaultExecTimeoutSeconds = options.defaultExecTimeoutSeconds ?? 300;
    this.maxExecOutputBytes = options.maxExecOutputBytes ?? 8 * 1024 * 1024;
    this.agentEndpointCacheMs = options.agentEndpointCacheMs ?? 2000;
  }

  /**
   * Reads `sandbox.kubernetes`: the cluster (kubeconfigPath / context / inCluster), provider,
   * namespacePrefix, storageClass, readyTimeoutSeconds, pollIntervalMs, ensureWorkspaces (default
   * true), workspaceQuota and serviceAccount.
   */
  static fromConfig(
    config: Config,
    deps: { logger?: KubernetesDriverOptions['logger'] } = {},
  ): KubernetesDriver {
    const kubeConfig = loadKubeConfig(config);
    const provider = (config.getOptionalString('sandbox.kubernetes.provider') ??
      'local') as CompositionProvider;
    if (!COMPOSITION_PROVIDERS.includes(provider)) {
      throw new Error(
        `sandbox.kubernetes.provider '${provider}' is not one of ${COMPOSITION_PROVIDERS.join(
          ', ',
        )}`,
      );
    }
    const namespacePrefix =
      config.getOptionalString('sandbox.kubernetes.namespacePrefix') ??
      DEFAULT_NAMESPACE_PREFIX;
    const pollIntervalMs = config.getOptionalNumber(
      'sandbox.kubernetes.pollIntervalMs',
    );
    const quota = config.getOptionalConfig('sandbox.kubernetes.workspaceQuota');
    const sa = config.getOptionalConfig('sandbox.kubernetes.serviceAccount');
    const workspaces =
      config.getOptionalBoolean('sandbox.kubernetes.ensureWorkspaces') === false
        ? undefined
        : new KubernetesWorkspaceProvisioner({
            kubeConfig,
            provider,
            namespacePrefix,
            pollIntervalMs,
            serviceAccount: sa
              ? {
                  name: sa.getString('name'),
                  namespace: sa.getString('namespace'),
                }
              : undefined,
            defaultQuota: quota
              ? ({
                  cpus: quota.getNumber('cpus'),
                  memoryMiB: quota.getNumber('memoryMiB'),
                  storageGiB: quota.getOptionalNumber('storageGiB'),
                  maxSandboxes: quota.getNumber('maxSandboxes'),
                } satisfies WorkspaceQuota)
              : undefined,
          });
    const readyTimeoutSeconds = config.getOptionalNumber(
      'sandbox.kubernetes.readyTimeoutSeconds',
    );
    return new KubernetesDriver({
      kubeConfig,
      provider,
      namespacePrefix,
      storageClassName: config.getOptionalString(
        'sandbox.kubernetes.storageClass',
      ),
      workspaces,
      readyTimeoutMs:
        readyTimeoutSeconds !== undefined
          ? readyTimeoutSeconds * 1000
          : undefined,
      pollIntervalMs,
      logger: deps.logger,
    });
  }

  /** The namespace of a workspace. */
  namespaceFor(workspace: string): string {
    return namespaceFor(workspace, this.namespacePrefix);
  }

  async healthCheck(_signal?: AbortSignal): Promise<void> {
    try {
      await this.custom.listClusterCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        plural: SANDBOX_PLURAL,
        limit: 1,
      });
    } catch (error) {
      if (isNotFound(error)) {
        throw new DriverUnavailableError(
          `the cluster${
            this.server ? ` at ${this.server}` : ''
          } does not serve ${SANDBOX_PLURAL}.${PLATFORM_GROUP}: install the XRDs and compositions of k8s/crossplane (docs/operators/kubernetes.md)`,
        );
      }
      const mapped = toDriverError(error, 'health check', this.server);
      throw mapped instanceof DriverUnavailableError
        ? mapped
        : new DriverUnavailableError(mapped.message);
    }
  }

  async create(
    spec: SandboxSpec,
    log?: DriverLogger,
  ): Promise<SandboxInstance> {
    const pending = this.creating.get(spec.id);
    if (pending) return pending;
    const attempt = this.createOnce(spec, log).finally(() =>
      this.creating.delete(spec.id),
    );
    this.creating.set(spec.id, attempt);
    return attempt;
  }

  private async createOnce(
    spec: SandboxSpec,
    log?: DriverLogger,
  ): Promise<SandboxInstance> {
    let body;
    try {
      body = sandboxClaimFor(spec, {
        namespace: this.namespaceFor(spec.workspace),
        provider: this.provider,
        storageClassName: this.options.storageClassName,
      });
    } catch (error) {
      throw new DriverError((error as Error).message);
    }
    const { name, namespace } = body.metadata as {
      name: string;
      namespace: string;
    };
    const externalId = `${namespace}/${name}`;

    if (this.options.workspaces) {
      log?.info(`making sure workspace namespace ${namespace} is ready`);
      await this.options.workspaces.ensureWorkspace(spec.workspace);
    }

    log?.info(
      `creating Sandbox ${externalId} (composition provider=${this.provider})`,
    );
    let created = false;
    try {
      await this.custom.createNamespacedCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        namespace,
        plural: SANDBOX_PLURAL,
        body,
      });
      created = true;
    } catch (error) {
      if (!isConflict(error)) {
        throw toDriverError(
          error,
          `creating sandbox ${spec.id} failed`,
          this.server,
        );
      }
      // The reconciler may call create again after a crash: adopt what is there.
      const existing = await this.managed(externalId);
      if (existing.metadata?.deletionTimestamp) {
        throw new DriverError(
          `sandbox ${externalId} is still being deleted; try again when it is gone`,
        );
      }
      log?.info(`Sandbox ${externalId} already exists: adopting it`);
      if (existing.spec?.replicas === 0) return this.start(externalId);
    }

    try {
      return await this.waitUntilRunning(externalId, log);
    } catch (error) {
      if (created) {
        await this.deleteClaim(namespace, name).catch(e =>
          this.options.logger?.warn(
            `sandbox ${
              spec.id
            }: could not delete ${externalId} after a failed create: ${apiMessage(
              e,
            )}`,
          ),
        );
      }
      throw error;
    }
  }

  async start(externalId: string): Promise<SandboxInstance> {
    await this.managed(externalId);
    await this.setReplicas(externalId, 1, 'starting');
    return this.waitUntilRunning(externalId);
  }

  async stop(
    externalId: string,
    _options?: { timeoutSeconds?: number },
  ): Promise<void> {
    this.endpoints.delete(externalId);
    const xr = await this.managed(externalId);
    if (xr.spec?.replicas === 0) return;
    if (xr.spec?.paused) {
      // a paused sandbox stops as stopped, not paused: a later start must run it
      await this.patchSpec(externalId, { replicas: 0, paused: false }, 'stopping');
      return;
    }
    // The pod gets terminationGracePeriodSeconds (10 s); the volume stays.
    await this.setReplicas(externalId, 0, 'stopping');
  }

  /** spec.paused = true, then waits until the pod is gone (phase Paused); the volume stays. */
  async pause(externalId: string): Promise<void> {
    this.endpoints.delete(externalId);
    const xr = await this.managed(externalId);
    if (xr.spec?.replicas === 0) {
      throw new DriverError(`sandbox ${externalId} cannot be paused: it is stopped`);
    }
    if (!xr.spec?.paused) await this.patchSpec(externalId, { paused: true }, 'pausing');
    const { namespace, name } = this.parse(externalId);
    await pollUntil(
      async () => {
        const current = await this.read(namespace, name);
        if (!current) throw new DriverError(`sandbox ${externalId} vanished while pausing`);
        return (current.status?.replicas ?? 0) === 0 ? true : undefined;
      },
      {
        timeoutMs: this.readyTimeoutMs,
        intervalMs: this.pollIntervalMs,
        onTimeout: () =>
          new DriverError(
            `the pod of sandbox ${externalId} was still running ${Math.round(this.readyTimeoutMs / 1000)} s after pausing`,
          ),
      },
    );
  }

  /** spec.paused = false, then waits until it runs (Ready) again with the same volume. */
  async resume(externalId: string): Promise<SandboxInstance> {
    const xr = await this.managed(externalId);
    if (xr.spec?.replicas === 0) {
      throw new DriverError(`sandbox ${externalId} cannot be resumed: it is stopped, not paused`);
    }
    if (xr.spec?.paused) await this.patchSpec(externalId, { paused: false }, 'resuming');
    return this.waitUntilRunning(externalId);
  }

  async remove(externalId: string): Promise<void> {
    this.endpoints.delete(externalId);
    const { namespace, name } = this.parse(externalId);
    const xr = await this.read(namespace, name);
    if (!xr) return;
    this.assertManaged(xr, externalId);
    await this.deleteClaim(namespace, name);
  }

  async inspect(externalId: string): Promise<SandboxInstance | undefined> {
    const { namespace, name } = this.parse(externalId);
    const xr = await this.read(namespace, name);
    return xr ? this.toInstance(xr) : undefined;
  }

  async list(): Promise<SandboxInstance[]> {
    const instances: SandboxInstance[] = [];
    let next: string | undefined;
    do {
      let page: { items?: ObservedXR[]; metadata?: { continue?: string } };
      try {
        page = await this.custom.listClusterCustomObject({
          group: PLATFORM_GROUP,
          version: PLATFORM_VERSION,
          plural: SANDBOX_PLURAL,
          labelSelector: `${SANDBOX_LABELS.managed}=true`,
          limit: 500,
          _continue: next,
        });
      } catch (error) {
        throw toDriverError(error, 'listing sandboxes', this.server);
      }
      for (const xr of page.items ?? []) {
        // Being deleted: on its way out, nothing left to reconcile.
        if (!xr.metadata?.deletionTimestamp)
          instances.push(this.toInstance(xr));
      }
      next = page.metadata?.continue || undefined;
    } while (next);
    return instances;
  }

  async exec(
    externalId: string,
    request: DriverExecRequest,
  ): Promise<ExecResult> {
    if (!request.command?.length) throw new DriverError('exec needs a command');
    if (
      request.user &&
      !['1000', '1000:1000', 'sandbox'].includes(request.user)
    ) {
      throw new DriverError(
        `exec as user '${request.user}' is not supported on Kubernetes: commands run as the sandbox user (1000)`,
      );
    }
    const { namespace, pod } = await this.runningPod(externalId);
    const timeoutSeconds = Math.max(
      1,
      Math.ceil(request.timeoutSeconds ?? this.defaultExecTimeoutSeconds),
    );
    // No env or cwd in the exec API: `env` and a shell `cd` do it; KILL cannot be trapped.
    const command = [
      ...(request.cwd
        ? ['/bin/sh', '-c', 'cd "$0" && exec "$@"', request.cwd]
        : []),
      'env',
      ...Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`),
      'timeout',
      '-s',
      'KILL',
      String(timeoutSeconds),
      ...request.command,
    ];
    const started = Date.now();
    const stdout = new CappedBuffer(this.maxExecOutputBytes);
    const stderr = new CappedBuffer(this.maxExecOutputBytes);
    const outcome = await new Promise<{
      status?: V1Status;
      clientTimedOut: boolean;
    }>((resolve, reject) => {
      let settled = false;
      let socket: { close(): void } | undefined;
      let timer: NodeJS.Timeout | undefined = undefined;
      const finish = (value: {
        status?: V1Status;
        clientTimedOut: boolean;
      }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      timer = setTimeout(() => {
        socket?.close();
        finish({ clientTimedOut: true });
      }, timeoutSeconds * 1000 + 15_000);
      new Exec(this.kc)
        .exec(
          namespace,
          pod,
          SANDBOX_CONTAINER,
          command,
          stdout,
          stderr,
          null,
          false,
          status => finish({ status, clientTimedOut: false }),
        )
        .then(ws => {
          socket = ws;
          ws.on('close', () => finish({ clientTimedOut: false }));
        })
        .catch(error => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(
            toDriverError(error, `exec in ${externalId} failed`, this.server),
          );
        });
    });
    const durationMs = Date.now() - started;
    if (!outcome.status && !outcome.clientTimedOut) {
      throw new DriverError(
        `exec in ${externalId} failed: the connection closed before the command finished`,
      );
    }
    const exitCode = outcome.status ? exitCodeOf(outcome.status) : 137;
    return {
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut:
        outcome.clientTimedOut ||
        ((exitCode === 137 || exitCode === 124) &&
          durationMs >= timeoutSeconds * 1000 - 50),
      durationMs,
    };
  }

  async logs(externalId: string, options?: { tail?: number }): Promise<string> {
    const { namespace, name } = this.parse(externalId);
    await this.managed(externalId);
    const pod = await this.findPod(namespace, name);
    if (!pod?.metadata?.name) return '';
    try {
      return await this.core.readNamespacedPodLog({
        name: pod.metadata.name,
        namespace,
        container: SANDBOX_CONTAINER,
        ...(options?.tail !== undefined ? { tailLines: options.tail } : {}),
      });
    } catch (error) {
      if (isNotFound(error)) return '';
      throw toDriverError(error, `logs of ${externalId} failed`, this.server);
    }
  }

  /**
   * The agent of a running sandbox: its pod's IP, the container port named `agent` (7070) and the
   * bearer token from Secret `<name>-agent` (the composition grants the portal `get` on that one
   * Secret). Undefined unless the sandbox is running and its pod Running and Ready, or when the
   * pod has no agent port (made before the composition ran the agent); callers then fall back to
   * {@link exec}. Answers are reused for `agentEndpointCacheMs`.
   */
  async agentEndpoint(externalId: string): Promise<AgentEndpoint | undefined> {
    const cached = this.endpoints.get(externalId);
    if (cached && cached.expires > Date.now()) return cached.endpoint;
    this.endpoints.delete(externalId);
    const { namespace, name } = this.parse(externalId);
    const xr = await this.read(namespace, name);
    if (!xr || xr.metadata?.labels?.[SANDBOX_LABELS.managed] !== 'true') return undefined;
    if (this.statusOf(xr).status !== 'running') return undefined;
    const pod = await this.findPod(namespace, name);
    const ready = pod?.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True');
    if (!pod || pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running' || !ready || !pod.status.podIP) {
      return undefined;
    }
    const port = pod.spec?.containers
      .find(c => c.name === SANDBOX_CONTAINER)
      ?.ports?.find(p => p.name === AGENT_PORT_NAME)?.containerPort;
    if (!port) return undefined;
    const secretName = (xr.status?.connection?.agentSecretName as string | undefined) ?? `${name}-agent`;
    const token = await this.agentToken(namespace, secretName);
    if (!token) return undefined;
    const endpoint: AgentEndpoint = { kind: 'tcp', host: pod.status.podIP, port, token };
    this.endpoints.set(externalId, { endpoint, expires: Date.now() + this.agentEndpointCacheMs });
    return endpoint;
  }

  // --- internals ---

  /** The `token` of the agent's Secret; undefined when there is none (yet). */
  private async agentToken(namespace: string, name: string): Promise<string | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      const value = secret.data?.token;
      return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toDriverError(error, `reading the agent token ${namespace}/${name}`, this.server);
    }
  }

  /** Polls the XR (and its pod) until it runs; throws on a verdict that waiting will not change. */
  private async waitUntilRunning(
    externalId: string,
    log?: DriverLogger,
  ): Promise<SandboxInstance> {
    const { namespace, name } = this.parse(externalId);
    let last: SandboxInstance | undefined;
    let lastPhase: string | undefined;
    return pollUntil(
      async () => {
        const xr = await this.read(namespace, name);
        if (!xr)
          throw new DriverError(
            `sandbox ${externalId} vanished while starting`,
          );
        const instance = this.toInstance(xr);
        last = instance;
        const phase = xr.status?.phase as string | undefined;
        if (phase && phase !== lastPhase) {
          lastPhase = phase;
          log?.info(
            `Sandbox ${externalId} is ${phase}${
              instance.message ? `: ${instance.message}` : ''
            }`,
          );
        }
        if (instance.status === 'running') return instance;
        if (instance.status === 'failed') {
          throw new DriverError(
            instance.message ?? `sandbox ${externalId} failed`,
          );
        }
        const stuck = await this.stuckPodReason(namespace, name);
        if (stuck) throw new DriverError(stuck);
        return undefined;
      },
      {
        timeoutMs: this.readyTimeoutMs,
        intervalMs: this.pollIntervalMs,
        onTimeout: () =>
          new DriverError(
            `sandbox ${externalId} did not become ready within ${Math.round(
              this.readyTimeoutMs / 1000,
            )} s${last?.message ? `: ${last.message}` : ''}`,
          ),
      },
    );
  }

  /** Why the sandbox pod will not start (bad image, crash loop), if it is stuck for good. */
  private async stuckPodReason(
    namespace: string,
    name: string,
  ): Promise<string | undefined> {
    const pod = await this.findPod(namespace, name).catch(() => undefined);
    for (const status of pod?.status?.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && TERMINAL_WAITING_REASONS.has(waiting.reason)) {
        return `sandbox container cannot start: ${waiting.reason}${
          waiting.message ? `: ${waiting.message}` : ''
        }`;
      }
    }
    return undefined;
  }

  private async findPod(
    namespace: string,
    name: string,
  ): Promise<V1Pod | undefined> {
    try {
      const pods = await this.core.listNamespacedPod({
        namespace,
        labelSelector: `${POD_SELECTOR_LABEL}=${name}`,
      });
      return (
        pods.items.find(p => !p.metadata?.deletionTimestamp) ?? pods.items[0]
      );
    } catch (error) {
      throw toDriverError(
        error,
        `reading the pod of ${namespace}/${name}`,
        this.server,
      );
    }
  }

  private async runningPod(
    externalId: string,
  ): Promise<{ namespace: string; pod: string }> {
    const xr = await this.managed(externalId);
    const instance = this.toInstance(xr);
    if (instance.status !== 'running') {
      throw new DriverError(
        `sandbox ${externalId} is not running (${instance.status})`,
      );
    }
    const { namespace, name } = this.parse(externalId);
    return {
      namespace,
      pod: (xr.status?.podName as string | undefined) ?? `${name}-0`,
    };
  }

  private async setReplicas(
    externalId: string,
    replicas: 0 | 1,
    what: string,
  ): Promise<void> {
    await this.patchSpec(externalId, { replicas }, what);
  }

  /** A merge patch of the XR's spec. */
  private async patchSpec(
    externalId: string,
    spec: Record<string, unknown>,
    what: string,
  ): Promise<void> {
    const { namespace, name } = this.parse(externalId);
    try {
      await this.custom.patchNamespacedCustomObject(
        {
          group: PLATFORM_GROUP,
          version: PLATFORM_VERSION,
          namespace,
          plural: SANDBOX_PLURAL,
          name,
          body: { spec },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toDriverError(error, `${what} ${externalId} failed`, this.server);
    }
  }

  private async deleteClaim(namespace: string, name: string): Promise<void> {
    try {
      await this.custom.deleteNamespacedCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        namespace,
        plural: SANDBOX_PLURAL,
        name,
        propagationPolicy: 'Foreground',
      });
    } catch (error) {
      if (!isNotFound(error)) {
        throw toDriverError(
          error,
          `deleting ${namespace}/${name} failed`,
          this.server,
        );
      }
    }
  }

  private async read(
    namespace: string,
    name: string,
  ): Promise<ObservedXR | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        namespace,
        plural: SANDBOX_PLURAL,
        name,
      })) as ObservedXR;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toDriverError(
        error,
        `reading ${namespace}/${name} failed`,
        this.server,
      );
    }
  }

  /** Reads an XR that must exist and belong to the portal. */
  private async managed(externalId: string): Promise<ObservedXR> {
    const { namespace, name } = this.parse(externalId);
    const xr = await this.read(namespace, name);
    if (!xr) throw new DriverError(`sandbox ${externalId} does not exist`);
    this.assertManaged(xr, externalId);
    return xr;
  }

  private assertManaged(xr: ObservedXR, externalId: string): void {
    if (xr.metadata?.labels?.[SANDBOX_LABELS.managed] !== 'true') {
      throw new DriverError(
        `${externalId} is not a portal sandbox (no ${SANDBOX_LABELS.managed} label)`,
      );
    }
  }

  private parse(externalId: string): { namespace: string; name: string } {
    const match = /^([a-z0-9][a-z0-9-]{0,62})\/([a-z0-9][a-z0-9-]{0,62})$/.exec(
      externalId,
    );
    if (!match) {
      throw new DriverError(
        `'${externalId}' is not a Kubernetes sandbox id (<namespace>/<name>)`,
      );
    }
    return { namespace: match[1], name: match[2] };
  }

  private statusOf(xr: ObservedXR): {
    status: RuntimeStatus;
    message?: string;
  } {
    if (xr.metadata?.deletionTimestamp) {
      return { status: 'stopped', message: 'being removed' };
    }
    const { verdict, message } = crossplaneVerdict(xr);
    if (verdict === 'failed') return { status: 'failed', message };
    if (xr.status?.phase === 'Failed') {
      return {
        status: 'failed',
        message: xr.status.message || 'the sandbox failed',
      };
    }
    if (xr.spec?.replicas === 0) {
      return (xr.status?.replicas ?? 0) > 0
        ? { status: 'stopped', message: 'stopping' }
        : { status: 'stopped' };
    }
    if (xr.spec?.paused) {
      return (xr.status?.replicas ?? 0) > 0
        ? { status: 'paused', message: 'pausing' }
        : { status: 'paused' };
    }
    if (verdict === 'ready' && (xr.status?.replicas ?? 1) >= 1)
      return { status: 'running' };
    const detail = xr.status?.message || message;
    return { status: 'creating', ...(detail ? { message: detail } : {}) };
  }

  private toInstance(xr: ObservedXR): SandboxInstance {
    const labels = originalLabels(xr);
    const { status, message } = this.statusOf(xr);
    const spec = xr.spec ?? {};
    const ready = conditionOf(xr, 'Ready');
    return {
      externalId: `${xr.metadata?.namespace}/${xr.metadata?.name}`,
      ...(labels[SANDBOX_LABELS.id]
        ? { sandboxId: labels[SANDBOX_LABELS.id] }
        : {}),
      status,
      ...(message ? { message } : {}),
      labels,
      limits: {
        ...(typeof spec.cpu === 'string' ? { cpus: parseCpu(spec.cpu) } : {}),
        ...(typeof spec.memory === 'string'
          ? { memoryBytes: parseMemory(spec.memory) }
          : {}),
        ...(spec.pids ? { pids: spec.pids } : {}),
        networkMode: spec.network ? 'egress' : 'none',
        user: `${spec.process?.runAsUser ?? 1000}:${
          spec.process?.runAsGroup ?? spec.process?.runAsUser ?? 1000
        }`,
      },
      ...(status === 'running' && ready?.lastTransitionTime
        ? { startedAt: ready.lastTransitionTime }
        : {}),
    };
  }
}

/** The labels the portal gave (from the annotation), else the object's labels. */
function originalLabels(xr: ObservedXR): Record<string, string> {
  const raw = xr.metadata?.annotations?.[ORIGINAL_LABELS_ANNOTATION];
  if (raw) {
    try {
      const parsed = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') {
        return { ...xr.metadata?.labels, ...parsed };
      }
    } catch {
      // fall through to the labels
    }
  }
  return { ...xr.metadata?.labels };
}

/** `500m` -> 0.5, `2` -> 2. */
export function parseCpu(quantity: string): number {
  return quantity.endsWith('m')
    ? Number(quantity.slice(0, -1)) / 1000
    : Number(quantity);
}

/** `512Mi` -> bytes. */
export function parseMemory(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) return NaN;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 }[
    (match[2] ?? '') as 'Ki'
  ];
  return Number(match[1]) * (unit ?? 1);
}

/** The exit code in an exec Status: Success -> 0, NonZeroExitCode -> its ExitCode cause. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find(c => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  if (Number.isInteger(code)) return code;
  throw new DriverError(
    `exec failed: ${status.message ?? status.reason ?? 'unknown error'}`,
  );
}
