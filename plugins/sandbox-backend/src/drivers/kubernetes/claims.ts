import { SANDBOX_LABELS, SandboxSpec } from '../types';

/**
 * The portal's Crossplane API (k8s/crossplane/base/apis/xrds): namespaced Sandbox, Database and
 * Bucket XRs, cluster-scoped Workspace XRs (Crossplane v2, no claims). This module builds the XR
 * bodies exactly as the XRDs expect them; the tests validate them against the XRDs' schemas.
 */
export const PLATFORM_GROUP = 'platform.portal.internal';
export const PLATFORM_VERSION = 'v1alpha1';
export const PLATFORM_API_VERSION = `${PLATFORM_GROUP}/${PLATFORM_VERSION}`;
export const SANDBOX_PLURAL = 'sandboxes';
export const WORKSPACE_PLURAL = 'workspaces';

/** Values of the `provider` label that selects a Composition (one per cloud, plus `local`). */
export const COMPOSITION_PROVIDERS = ['aws', 'gcp', 'azure', 'local'] as const;
export type CompositionProvider = (typeof COMPOSITION_PROVIDERS)[number];

/** Annotation holding the sandbox's labels exactly as the portal gave them (JSON). */
export const ORIGINAL_LABELS_ANNOTATION = 'portal.sandbox/labels';
/** Name prefix of Sandbox XRs: `sbx-<sandbox id>`. */
export const SANDBOX_NAME_PREFIX = 'sbx-';
/** Default prefix of workspace namespaces (and Workspace XR names): `ws-<workspace>`. */
export const DEFAULT_NAMESPACE_PREFIX = 'ws-';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** The namespace of a workspace: `<prefix><workspace>`; throws when that is no DNS label. */
export function namespaceFor(
  workspace: string,
  prefix = DEFAULT_NAMESPACE_PREFIX,
): string {
  const namespace = `${prefix}${workspace}`;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new Error(
      `workspace '${workspace}' with namespace prefix '${prefix}' gives '${namespace}', which is no valid namespace name (lowercase DNS label, at most 63 characters)`,
    );
  }
  return namespace;
}

/** The name of the Sandbox XR of a sandbox id (its StatefulSet pod is `<name>-0`). */
export function sandboxNameFor(id: string): string {
  const name = `${SANDBOX_NAME_PREFIX}${id.toLowerCase()}`;
  // StatefulSet names stay below 53 characters (the pod's controller-revision-hash label).
  if (name.length > 52 || !DNS_LABEL.test(name)) {
    throw new Error(
      `sandbox id '${id}' cannot name a Kubernetes object (lowercase letters, digits and dashes, at most 48 characters)`,
    );
  }
  return name;
}

/** Whether `key` is a valid Kubernetes label key (`[prefix/]name`). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (
    prefix !== undefined &&
    (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
  )
    return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/**
 * A label value Kubernetes accepts: characters outside `[A-Za-z0-9_.-]` become `_`, ends are
 * trimmed to alphanumerics, at most 63 characters (`user:default/jane` -> `user_default_jane`).
 */
export function toLabelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}

/** The labels of `labels` that Kubernetes accepts, with values made valid; others are dropped. */
export function toKubernetesLabels(
  labels: Record<string, string>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (isLabelKey(key)) result[key] = toLabelValue(value);
  }
  return result;
}

/** 0.5 -> `500m`, 2 -> `2`. */
export function cpuQuantity(cpus: number): string {
  const milli = Math.round(cpus * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB -> `512Mi`. */
export function memoryQuantity(mib: number): string {
  return `${Math.max(1, Math.round(mib))}Mi`;
}

/** GiB -> `5Gi` (fractions in Mi). */
export function diskQuantity(gib: number): string {
  return Number.isInteger(gib) && gib > 0
    ? `${gib}Gi`
    : `${Math.max(1, Math.round(gib * 1024))}Mi`;
}

/** The labels every runtime resource of a sandbox carries, as the driver contract wants them. */
export function sandboxLabels(spec: SandboxSpec): Record<string, string> {
  return {
    ...spec.labels,
    [SANDBOX_LABELS.id]: spec.labels[SANDBOX_LABELS.id] ?? spec.id,
    [SANDBOX_LABELS.name]: spec.labels[SANDBOX_LABELS.name] ?? spec.name,
    [SANDBOX_LABELS.workspace]:
      spec.labels[SANDBOX_LABELS.workspace] ?? spec.workspace,
    [SANDBOX_LABELS.owner]: spec.labels[SANDBOX_LABELS.owner] ?? spec.owner,
    [SANDBOX_LABELS.managed]: 'true',
  };
}

export interface SandboxClaimOptions {
  namespace: string;
  provider: CompositionProvider;
  storageClassName?: string;
}

/** A Kubernetes object as this module builds it. */
export interface PlatformObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/** The Sandbox XR for a sandbox spec, exactly as sandboxes.platform.portal.internal expects it. */
export function sandboxClaimFor(
  spec: SandboxSpec,
  options: SandboxClaimOptions,
): PlatformObject {
  const labels = sandboxLabels(spec);
  const kubeLabels = toKubernetesLabels(labels);
  return {
    apiVersion: PLATFORM_API_VERSION,
    kind: 'Sandbox',
    metadata: {
      name: sandboxNameFor(spec.id),
      namespace: options.namespace,
      labels: kubeLabels,
      annotations: { [ORIGINAL_LABELS_ANNOTATION]: JSON.stringify(labels) },
    },
    spec: {
      crossplane: {
        compositionSelector: { matchLabels: { provider: options.provider } },
      },
      image: spec.image,
      cpu: cpuQuantity(spec.size.cpus),
      memory: memoryQuantity(spec.size.memoryMiB),
      disk: diskQuantity(spec.size.diskGiB),
      ...(spec.size.pids ? { pids: spec.size.pids } : {}),
      env: { ...spec.env },
      network: spec.network,
      ...(spec.repo
        ? {
            repo: {
              url: spec.repo.url,
              ...(spec.repo.ref ? { ref: spec.repo.ref } : {}),
            },
          }
        : {}),
      // Pod labels: the portal's own keys, so pods are found by sandbox id and workspace.
      labels: Object.fromEntries(
        Object.entries(kubeLabels).filter(([k]) =>
          k.startsWith('portal.sandbox/'),
        ),
      ),
      ...(spec.process ? { process: processFor(spec.process) } : {}),
      replicas: 1,
      ...(options.storageClassName
        ? { storageClassName: options.storageClassName }
        : {}),
    },
  };
}

/**
 * The XR's spec.process for a sandbox's main process (run by the agent after its `--`); without
 * a gid, the group is the uid (as on Docker). Root (uid or gid 0) is refused.
 */
export function processFor(process: NonNullable<SandboxSpec['process']>): Record<string, unknown> {
  if (!process.command?.length) throw new Error('process.command: at least the program is required');
  for (const [field, value] of [
    ['uid', process.uid],
    ['gid', process.gid],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new Error(`process.${field}: ${value} is refused on Kubernetes (sandboxes never run as root; use 1 or more)`);
    }
  }
  const gid = process.gid ?? process.uid;
  return {
    command: [...process.command],
    ...(process.workingDir ? { workingDir: process.workingDir } : {}),
    ...(process.uid !== undefined ? { runAsUser: process.uid } : {}),
    ...(gid !== undefined ? { runAsGroup: gid } : {}),
  };
}

/** Hard limits of a workspace, in the units the portal uses for sandbox sizes. */
export interface WorkspaceQuota {
  /** Total CPU limit of everything in the workspace. */
  cpus: number;
  /** Total memory limit in MiB. */
  memoryMiB: number;
  /** Total requested volume storage in GiB (default 100). */
  storageGiB?: number;
  /** Most sandboxes at once. */
  maxSandboxes: number;
  /** Most databases (default 2). */
  maxDatabases?: number;
  /** Most buckets (default 5). */
  maxBuckets?: number;
}

export interface WorkspaceClaimOptions {
  namespacePrefix?: string;
  provider: CompositionProvider;
  serviceAccount?: { name: string; namespace: string };
  members?: Array<{ kind: 'User' | 'Group'; name: string }>;
  displayName?: string;
}

/** The Workspace XR (cluster-scoped, named after its namespace) for a portal workspace. */
export function workspaceClaimFor(
  workspace: string,
  quota: WorkspaceQuota,
  options: WorkspaceClaimOptions,
): PlatformObject {
  const name = namespaceFor(workspace, options.namespacePrefix);
  return {
    apiVersion: PLATFORM_API_VERSION,
    kind: 'Workspace',
    metadata: {
      name,
      labels: { [SANDBOX_LABELS.workspace]: toLabelValue(workspace) },
    },
    spec: {
      crossplane: {
        compositionSelector: { matchLabels: { provider: options.provider } },
      },
      displayName: options.displayName ?? workspace,
      quota: {
        cpu: cpuQuantity(quota.cpus),
        memory: memoryQuantity(quota.memoryMiB),
        storage: `${Math.max(1, Math.round(quota.storageGiB ?? 100))}Gi`,
        maxSandboxes: quota.maxSandboxes,
        ...(quota.maxDatabases !== undefined
          ? { maxDatabases: quota.maxDatabases }
          : {}),
        ...(quota.maxBuckets !== undefined
          ? { maxBuckets: quota.maxBuckets }
          : {}),
      },
      ...(options.members?.length ? { members: options.members } : {}),
      ...(options.serviceAccount
        ? { portalServiceAccount: options.serviceAccount }
        : {}),
    },
  };
}
