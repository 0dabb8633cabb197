import { RootConfigService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import Ajv, { ValidateFunction } from 'ajv';
import { examples } from './crossplaneClaimApply.examples';
import {
  CLAIM_KINDS,
  ClaimKind,
  XrdInfo,
  xrdSchemas,
} from './crossplaneClaimApply.xrdSchemas';
import { ZodImpl } from './zod';

/** Field manager of the server-side applies, so `kubectl` shows who owns the fields. */
export const FIELD_MANAGER = 'backstage-scaffolder';
export const PROVIDERS = ['aws', 'gcp', 'azure', 'local'] as const;
const DEFAULT_NAMESPACE_PREFIX = 'ws-';
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Input schema of `crossplane:claim:apply`, one zod factory per field. */
export const crossplaneClaimApplyInputSchema = {
  kind: (z: ZodImpl) =>
    z.enum(CLAIM_KINDS as [ClaimKind, ...ClaimKind[]], {
      description:
        'Kind of the claim (a Crossplane v2 composite resource of group platform.portal.internal): `Database` (PostgreSQL), `Bucket` (object storage), `Sandbox` or `Workspace` (namespace with quota and RBAC).',
    }),
  name: (z: ZodImpl) =>
    z
      .string({
        description:
          'Name of the claim: a lowercase DNS label. For a `Workspace` it is the portal workspace; the claim is named after its namespace (`<namespacePrefix><name>`).',
      })
      .regex(DNS_LABEL),
  namespace: (z: ZodImpl) =>
    z
      .string({
        description:
          'Namespace of a namespaced claim. Give this or `workspace`; not used for `Workspace`.',
      })
      .regex(DNS_LABEL)
      .optional(),
  workspace: (z: ZodImpl) =>
    z
      .string({
        description:
          'Portal workspace whose namespace (`<sandbox.kubernetes.namespacePrefix><workspace>`, default prefix `ws-`) gets the claim.',
      })
      .regex(DNS_LABEL)
      .optional(),
  spec: (z: ZodImpl) =>
    z
      .record(z.unknown(), {
        description:
          "The claim's spec, checked against the XRD's openAPIV3Schema before anything is sent (unknown fields are errors).",
      })
      .default({}),
  provider: (z: ZodImpl) =>
    z
      .enum(PROVIDERS, {
        description:
          'Which Composition implements the claim (label `provider`). Defaults to `sandbox.kubernetes.provider`, else `local`.',
      })
      .optional(),
  labels: (z: ZodImpl) =>
    z
      .record(z.string(), {
        description:
          'Extra labels of the claim (Kubernetes label keys and values).',
      })
      .optional(),
  dryRun: (z: ZodImpl) =>
    z
      .boolean({
        description:
          'Ask the API server to validate and admit the claim without storing it (server-side dry run). Defaults to false.',
      })
      .default(false)
      .optional(),
};

/** Output schema of `crossplane:claim:apply`. */
export const crossplaneClaimApplyOutputSchema = {
  apiVersion: (z: ZodImpl) =>
    z.string({
      description:
        'apiVersion of the claim, e.g. `platform.portal.internal/v1alpha1`.',
    }),
  kind: (z: ZodImpl) => z.string({ description: 'Kind of the claim.' }),
  name: (z: ZodImpl) => z.string({ description: 'Name of the claim.' }),
  namespace: (z: ZodImpl) =>
    z
      .string({
        description:
          'Namespace of the claim; absent for the cluster-scoped `Workspace`.',
      })
      .optional(),
};

/** Options of {@link createCrossplaneClaimApplyAction}. */
export interface CrossplaneClaimApplyActionOptions {
  /** Reads `sandbox.kubernetes` (cluster, provider, namespacePrefix). */
  config: RootConfigService;
  /** The cluster to talk to; default: loaded from `sandbox.kubernetes` on first use. */
  kubeConfig?: KubeConfig;
}

/** A claim ready to be applied. */
export interface ClaimObject {
  apiVersion: string;
  kind: ClaimKind;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/**
 * Creates the `crossplane:claim:apply` action: builds a claim of one of the portal's XRDs,
 * validates it against the XRD's schema (compiled into the module by
 * k8s/crossplane/scripts/generate-xrd-schemas.mjs), and server-side-applies it to the cluster of
 * `sandbox.kubernetes`, once per task (checkpoint).
 *
 * @public
 */
export function createCrossplaneClaimApplyAction(
  options: CrossplaneClaimApplyActionOptions,
) {
  const { config } = options;
  let kubeConfig = options.kubeConfig;
  const api = () => {
    kubeConfig ??= loadKubeConfig(config);
    return kubeConfig.makeApiClient(CustomObjectsApi);
  };

  return createTemplateAction({
    id: 'crossplane:claim:apply',
    description:
      'Applies a claim of the portal’s Crossplane APIs (Database, Bucket, Sandbox, Workspace) to the Kubernetes cluster, validated against its XRD first.',
    examples,
    supportsDryRun: true,
    schema: {
      input: crossplaneClaimApplyInputSchema,
      output: crossplaneClaimApplyOutputSchema,
    },
    async handler(ctx) {
      const claim = buildClaim(
        {
          ...ctx.input,
          spec: ctx.input.spec ?? {},
          provider:
            ctx.input.provider ??
            (config.getOptionalString('sandbox.kubernetes.provider') as
              | (typeof PROVIDERS)[number]
              | undefined) ??
            'local',
          namespacePrefix:
            config.getOptionalString('sandbox.kubernetes.namespacePrefix') ??
            DEFAULT_NAMESPACE_PREFIX,
        },
        {
          ...(ctx.task?.id
            ? { 'portal.sandbox/scaffolder-task': ctx.task.id }
            : {}),
          ...(ctx.user?.ref
            ? { 'portal.sandbox/owner': toLabelValue(ctx.user.ref) }
            : {}),
        },
      );
      const errors = validateClaim(claim);
      if (errors.length) {
        throw new InputError(
          `Invalid ${claim.kind} '${claim.metadata.name}' (${
            xrdSchemas[claim.kind].xrd
          }): ${errors.join('; ')}`,
        );
      }
      const where = claim.metadata.namespace
        ? `${claim.metadata.namespace}/${claim.metadata.name}`
        : claim.metadata.name;

      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would apply ${claim.kind} ${where}`);
      } else {
        const dryRun = ctx.input.dryRun ?? false;
        await ctx.checkpoint({
          key: `crossplane.claim.apply.${claim.kind}.${where}${
            dryRun ? '.dry-run' : ''
          }`,
          fn: async () => {
            ctx.logger.info(
              `Applying ${claim.kind} ${where}${
                dryRun ? ' (server-side dry run)' : ''
              }`,
            );
            await applyClaim(api(), claim, dryRun);
            ctx.logger.info(`${claim.kind} ${where} applied`);
            return where;
          },
        });
      }
      ctx.output('apiVersion', claim.apiVersion);
      ctx.output('kind', claim.kind);
      ctx.output('name', claim.metadata.name);
      if (claim.metadata.namespace)
        ctx.output('namespace', claim.metadata.namespace);
    },
  });
}

/** The claim for an input: name and namespace resolved, labels and composition selector set. */
export function buildClaim(
  input: {
    kind: ClaimKind;
    name: string;
    namespace?: string;
    workspace?: string;
    spec: Record<string, unknown>;
    provider: (typeof PROVIDERS)[number];
    labels?: Record<string, string>;
    namespacePrefix: string;
  },
  extraLabels: Record<string, string> = {},
): ClaimObject {
  const info: XrdInfo = xrdSchemas[input.kind];
  if ('crossplane' in input.spec) {
    throw new InputError(
      'spec.crossplane is reserved: choose the Composition with `provider`',
    );
  }
  let name = input.name;
  let namespace: string | undefined;
  if (info.scope === 'Cluster') {
    name = `${input.namespacePrefix}${input.name}`;
    if (name.length > 63 || !DNS_LABEL.test(name)) {
      throw new InputError(`name: '${name}' is no valid namespace name`);
    }
  } else {
    namespace =
      input.namespace ??
      (input.workspace
        ? `${input.namespacePrefix}${input.workspace}`
        : undefined);
    if (!namespace) {
      throw new InputError(
        `namespace or workspace is required for a ${input.kind}`,
      );
    }
    if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
      throw new InputError(
        `namespace: '${namespace}' is no valid namespace name`,
      );
    }
  }
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'backstage-scaffolder',
    ...(input.workspace ? { 'portal.sandbox/workspace': input.workspace } : {}),
    ...input.labels,
    ...extraLabels,
  };
  return {
    apiVersion: `${info.group}/${info.version}`,
    kind: input.kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels },
    spec: {
      ...input.spec,
      crossplane: {
        compositionSelector: { matchLabels: { provider: input.provider } },
      },
    },
  };
}

const validators = new Map<ClaimKind, ValidateFunction>();

/**
 * Errors of `claim` against its XRD's openAPIV3Schema, with objects closed (the API server would
 * silently drop unknown fields; here they are errors) and invalid label keys reported.
 */
export function validateClaim(claim: ClaimObject): string[] {
  let validate = validators.get(claim.kind);
  if (!validate) {
    const schema = structuredClone(xrdSchemas[claim.kind].schema) as any;
    closeObjects(schema);
    schema.properties.apiVersion = { type: 'string' };
    schema.properties.kind = { type: 'string' };
    schema.properties.metadata = { type: 'object' };
    schema.properties.spec.properties.crossplane = { type: 'object' };
    validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    validators.set(claim.kind, validate);
  }
  const errors = validate(claim)
    ? []
    : (validate.errors ?? []).map(
        e =>
          `${
            e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(claim)'
          } ${e.message}${
            e.params?.additionalProperty
              ? ` (${e.params.additionalProperty})`
              : ''
          }`,
      );
  for (const [key, value] of Object.entries(claim.metadata.labels)) {
    if (!isLabelKey(key) || toLabelValue(value) !== value) {
      errors.push(
        `metadata.labels: '${key}: ${value}' is no valid Kubernetes label`,
      );
    }
  }
  return errors;
}

async function applyClaim(
  api: CustomObjectsApi,
  claim: ClaimObject,
  dryRun: boolean,
) {
  const { group, version, plural, scope } = xrdSchemas[claim.kind];
  const common = {
    group,
    version,
    plural,
    name: claim.metadata.name,
    body: claim,
    fieldManager: FIELD_MANAGER,
    force: true,
    ...(dryRun ? { dryRun: 'All' } : {}),
  };
  const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  try {
    if (scope === 'Cluster') await api.patchClusterCustomObject(common, ssa);
    else
      await api.patchNamespacedCustomObject(
        { ...common, namespace: claim.metadata.namespace! },
        ssa,
      );
  } catch (error) {
    if (error instanceof ApiException) {
      const message = apiMessage(error);
      if (error.code === 404) {
        throw new InputError(
          `The cluster does not serve ${plural}.${group}/${version}, or namespace ${claim.metadata.namespace} does not exist: ${message}`,
        );
      }
      if (error.code >= 400 && error.code < 500) {
        throw new InputError(
          `The cluster rejected ${claim.kind} ${claim.metadata.name}: ${message}`,
        );
      }
      throw new Error(
        `Applying ${claim.kind} ${claim.metadata.name} failed: ${message}`,
      );
    }
    throw error;
  }
}

function apiMessage(error: ApiException<unknown>): string {
  let body: any = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return body || `HTTP ${error.code}`;
    }
  }
  return typeof body?.message === 'string'
    ? body.message
    : `HTTP ${error.code}`;
}

function closeObjects(schema: any): void {
  if (schema && typeof schema === 'object') {
    if (schema.properties && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    for (const value of Object.values(schema)) closeObjects(value);
  }
}

/** Same rules as the sandbox backend's Kubernetes driver (`sandbox.kubernetes`). */
function loadKubeConfig(config: RootConfigService): KubeConfig {
  const kc = new KubeConfig();
  const path = config.getOptionalString('sandbox.kubernetes.kubeconfigPath');
  const inCluster = config.getOptionalBoolean('sandbox.kubernetes.inCluster');
  if (inCluster) kc.loadFromCluster();
  else if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST && inCluster !== false)
    kc.loadFromCluster();
  else kc.loadFromDefault();
  const context = config.getOptionalString('sandbox.kubernetes.context');
  if (context) kc.setCurrentContext(context);
  return kc;
}

function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (
    prefix !== undefined &&
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(
      prefix,
    )
  )
    return false;
  return (
    name.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(name)
  );
}

function toLabelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}
