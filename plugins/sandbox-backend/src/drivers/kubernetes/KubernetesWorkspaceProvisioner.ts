import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { DriverError } from '../types';
import {
  CompositionProvider,
  DEFAULT_NAMESPACE_PREFIX,
  PLATFORM_GROUP,
  PLATFORM_VERSION,
  WORKSPACE_PLURAL,
  WorkspaceClaimOptions,
  WorkspaceQuota,
  namespaceFor,
  workspaceClaimFor,
} from './claims';
import { isConflict, isNotFound, toDriverError } from './kubeClient';
import { ObservedXR, crossplaneVerdict, pollUntil } from './status';

export interface KubernetesWorkspaceProvisionerOptions {
  kubeConfig: KubeConfig;
  provider: CompositionProvider;
  namespacePrefix?: string;
  /** The portal's ServiceAccount, granted write access to claims in each workspace namespace. */
  serviceAccount?: { name: string; namespace: string };
  /** Quota of workspaces that ensureWorkspace is asked for without one. */
  defaultQuota?: WorkspaceQuota;
  /** How long ensureWorkspace waits for a new Workspace to be Ready (default 120 s). */
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
}

export interface EnsuredWorkspace {
  /** Name of the Workspace XR, which is also its namespace. */
  name: string;
  namespace: string;
  /** Whether this call created the Workspace XR (false: it existed). */
  created: boolean;
}

/** A quota that fits a handful of small sandboxes. */
export const DEFAULT_WORKSPACE_QUOTA: WorkspaceQuota = {
  cpus: 8,
  memoryMiB: 16 * 1024,
  storageGiB: 100,
  maxSandboxes: 10,
};

/**
 * Creates and updates Workspace XRs (namespace, ResourceQuota, LimitRange, default-deny
 * NetworkPolicy, RBAC) for portal workspaces. The Kubernetes driver calls ensureWorkspace before it
 * creates a sandbox; the workspace feature will call it with each workspace's own quota.
 */
export class KubernetesWorkspaceProvisioner {
  private readonly api: CustomObjectsApi;
  private readonly prefix: string;
  private readonly server?: string;
  private readonly ensured = new Map<string, Promise<EnsuredWorkspace>>();

  constructor(private readonly options: KubernetesWorkspaceProvisionerOptions) {
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.prefix = options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX;
    this.server = options.kubeConfig.getCurrentCluster()?.server;
  }

  namespaceFor(workspace: string): string {
    return namespaceFor(workspace, this.prefix);
  }

  /**
   * Makes sure the Workspace XR of `workspace` exists with `quota` (patching the quota of an
   * existing one when given) and is Ready. Idempotent; concurrent calls for one workspace share
   * one attempt.
   */
  async ensureWorkspace(
    workspace: string,
    quota?: WorkspaceQuota,
    extra: Pick<WorkspaceClaimOptions, 'members' | 'displayName'> = {},
  ): Promise<EnsuredWorkspace> {
    const pending = this.ensured.get(workspace);
    if (pending && !quota) return pending;
    const attempt = this.ensureOnce(workspace, quota, extra).finally(() =>
      this.ensured.delete(workspace),
    );
    this.ensured.set(workspace, attempt);
    return attempt;
  }

  /** Deletes the Workspace XR (its namespace goes with it unless its deletionPolicy is Orphan). */
  async removeWorkspace(workspace: string): Promise<void> {
    const name = this.namespaceFor(workspace);
    try {
      await this.api.deleteClusterCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        plural: WORKSPACE_PLURAL,
        name,
      });
    } catch (error) {
      if (!isNotFound(error))
        throw toDriverError(error, `deleting workspace ${name}`, this.server);
    }
  }

  private async ensureOnce(
    workspace: string,
    quota: WorkspaceQuota | undefined,
    extra: Pick<WorkspaceClaimOptions, 'members' | 'displayName'>,
  ): Promise<EnsuredWorkspace> {
    const body = workspaceClaimFor(
      workspace,
      quota ?? this.options.defaultQuota ?? DEFAULT_WORKSPACE_QUOTA,
      {
        namespacePrefix: this.prefix,
        provider: this.options.provider,
        serviceAccount: this.options.serviceAccount,
        ...extra,
      },
    );
    const name = body.metadata.name;
    let existing = await this.get(name);
    let created = false;
    if (!existing) {
      try {
        existing = (await this.api.createClusterCustomObject({
          group: PLATFORM_GROUP,
          version: PLATFORM_VERSION,
          plural: WORKSPACE_PLURAL,
          body,
        })) as ObservedXR;
        created = true;
      } catch (error) {
        if (!isConflict(error))
          throw toDriverError(error, `creating workspace ${name}`, this.server);
        existing = await this.get(name);
      }
    } else if (quota) {
      try {
        existing = (await this.api.patchClusterCustomObject(
          {
            group: PLATFORM_GROUP,
            version: PLATFORM_VERSION,
            plural: WORKSPACE_PLURAL,
            name,
            body: { spec: { quota: body.spec.quota } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        )) as ObservedXR;
      } catch (error) {
        throw toDriverError(
          error,
          `updating the quota of workspace ${name}`,
          this.server,
        );
      }
    }
    if (existing && crossplaneVerdict(existing).verdict === 'ready') {
      return { name, namespace: name, created };
    }
    const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
    let last: ObservedXR | undefined = existing;
    await pollUntil(
      async () => {
        last = await this.get(name);
        if (!last) {
          throw new DriverError(
            `workspace ${name} was deleted while waiting for it`,
          );
        }
        const { verdict, message } = crossplaneVerdict(last);
        if (verdict === 'failed') {
          throw new DriverError(`workspace ${name} failed: ${message}`);
        }
        return verdict === 'ready' ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: this.options.pollIntervalMs ?? 1000,
        onTimeout: () => {
          const { message } = last
            ? crossplaneVerdict(last)
            : { message: undefined };
          return new DriverError(
            `workspace ${name} is not ready after ${Math.round(
              timeoutMs / 1000,
            )} s${message ? `: ${message}` : ''}`,
          );
        },
      },
    );
    return { name, namespace: name, created };
  }

  private async get(name: string): Promise<ObservedXR | undefined> {
    try {
      return (await this.api.getClusterCustomObject({
        group: PLATFORM_GROUP,
        version: PLATFORM_VERSION,
        plural: WORKSPACE_PLURAL,
        name,
      })) as ObservedXR;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toDriverError(error, `reading workspace ${name}`, this.server);
    }
  }
}
