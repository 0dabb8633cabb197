import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  stringifyEntityRef,
  UserEntity,
} from '@backstage/catalog-model';
import { ConflictError, InputError, ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createSandboxRequestSchema,
  CreateSandboxRequest,
  formatZodError,
  SANDBOX_SIZES,
  sandboxEntityRef,
  SandboxLinks,
  SandboxState,
} from '@internal/plugin-sandbox-common';
import {
  SandboxApiClient,
  SandboxRequestOptions,
} from '../client/SandboxApiClient';
import { examples } from './sandboxCreate.examples';
import {
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  waitForSandbox,
} from './waitForSandbox';
import { waitFields, ZodImpl } from './zod';

const DEFAULT_WORKSPACE = 'default';
const DEFAULT_SIZE = 'small';

/**
 * Label the action puts on every sandbox it creates, naming the scaffolder task. When a retried
 * task gets a 409 for its own sandbox (the create went through but the checkpoint was never
 * saved), the label tells it that the sandbox is its own to adopt rather than someone else's.
 */
export const SCAFFOLDER_TASK_LABEL = 'portal.sandbox/scaffolder-task';

const SIZE_NAMES = Object.keys(SANDBOX_SIZES) as [string, ...string[]];

/** Input schema of `sandbox:create`, one zod factory per field. */
export const sandboxCreateInputSchema = {
  name: (z: ZodImpl) =>
    z
      .string({
        description:
          'Sandbox name: 1-40 lowercase letters, digits or dashes, starting with a letter. Unique within the workspace; it becomes the host name and the catalog entity `sandbox-<name>`.',
      })
      .regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/),
  workspace: (z: ZodImpl) =>
    z
      .string({
        description: `Workspace the sandbox belongs to (and catalog namespace of its entity). Defaults to \`${DEFAULT_WORKSPACE}\`.`,
      })
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
      .default(DEFAULT_WORKSPACE)
      .optional(),
  template: (z: ZodImpl) =>
    z
      .string({
        description:
          'Sandbox template the backend maps to an image and settings, e.g. `python`, `node` or `ollama`.',
      })
      .min(1)
      .max(100),
  size: (z: ZodImpl) =>
    z
      .enum(SIZE_NAMES, {
        description: `Size (CPU, memory, disk limits): ${Object.values(
          SANDBOX_SIZES,
        )
          .map(s => `\`${s.name}\` = ${s.cpus} vCPU / ${s.memoryMiB} MiB`)
          .join(', ')}. Defaults to \`${DEFAULT_SIZE}\`.`,
      })
      .default(DEFAULT_SIZE)
      .optional(),
  repoUrl: (z: ZodImpl) =>
    z
      .string({
        description:
          'Git repository cloned into /workspace (https, ssh or git URL). Empty or absent: no clone.',
      })
      .optional(),
  repoRef: (z: ZodImpl) =>
    z
      .string({
        description:
          'Branch, tag or commit to check out; the default branch when absent. Needs `repoUrl`.',
      })
      .optional(),
  env: (z: ZodImpl) =>
    z
      .record(z.string(), {
        description:
          'Environment variables set in the sandbox (names: letters, digits, underscores).',
      })
      .optional(),
  network: (z: ZodImpl) =>
    z
      .boolean({
        description:
          'Give the sandbox network access. Sandboxes are isolated by default. Defaults to false.',
      })
      .default(false)
      .optional(),
  ttlHours: (z: ZodImpl) =>
    z
      .number({
        description:
          'Time to live in hours, counted from creation (at most 720 = 30 days); the sandbox is deleted afterwards. Absent: no limit.',
      })
      .positive()
      .max(720)
      .optional(),
  idleTimeoutMinutes: (z: ZodImpl) =>
    z
      .number({
        description:
          'Stop the sandbox after this many idle minutes (at most 10080 = 7 days). Absent: never.',
      })
      .int()
      .positive()
      .max(10080)
      .optional(),
  labels: (z: ZodImpl) =>
    z
      .record(z.string(), {
        description:
          'Labels put on the sandbox (keys: lowercase DNS-style, values up to 63 characters).',
      })
      .optional(),
  ownerGroup: (z: ZodImpl) =>
    z
      .string({
        description:
          "Group that owns the sandbox's catalog entity, as an entity ref (`group:default/team`, or `team`). Defaults to the first group the user is a member of (`spec.memberOf`).",
      })
      .optional(),
  ...waitFields('the sandbox to be running', {
    timeoutSeconds: DEFAULT_WAIT_TIMEOUT_SECONDS,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
  }),
};

/** Output schema of `sandbox:create`. */
export const sandboxCreateOutputSchema = {
  id: (z: ZodImpl) => z.string({ description: 'Id of the sandbox.' }),
  state: (z: ZodImpl) =>
    z.string({
      description:
        'State of the sandbox when the step ended (`running`, or `pending` in a dry run).',
    }),
  links: (z: ZodImpl) =>
    z.object(
      {
        portal: z
          .string({ description: "The sandbox's page in the portal." })
          .optional(),
        vscode: z
          .string({ description: 'VS Code Remote-SSH deep link.' })
          .optional(),
        jetbrainsGateway: z
          .string({ description: 'JetBrains Gateway deep link.' })
          .optional(),
      },
      {
        description:
          'Links to open the sandbox; only the ones the backend provides are present.',
      },
    ),
  entityRef: (z: ZodImpl) =>
    z.string({
      description:
        "Ref of the sandbox's catalog Resource, `resource:<workspace>/sandbox-<name>`.",
    }),
};

/** Options of {@link createSandboxCreateAction}. */
export interface SandboxCreateActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
}

/**
 * Creates the `sandbox:create` action: asks the sandbox backend for a sandbox on behalf of the
 * user who runs the template, then waits until it is running and outputs its links.
 *
 * @public
 */
export function createSandboxCreateAction(options: SandboxCreateActionOptions) {
  const client = new SandboxApiClient(options);

  return createTemplateAction({
    id: 'sandbox:create',
    description:
      'Creates a sandbox for the user running the template, waits until it is running and outputs its IDE links and catalog entity.',
    examples,
    supportsDryRun: true,
    schema: {
      input: sandboxCreateInputSchema,
      output: sandboxCreateOutputSchema,
    },
    async handler(ctx) {
      const {
        name,
        workspace = DEFAULT_WORKSPACE,
        template,
        size = DEFAULT_SIZE,
        waitTimeoutSeconds = DEFAULT_WAIT_TIMEOUT_SECONDS,
        pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
      } = ctx.input;
      const label = `${workspace}/${name}`;

      const ownerGroup = ctx.input.ownerGroup
        ? normalizeGroupRef(ctx.input.ownerGroup)
        : defaultOwnerGroup(ctx.user?.entity);

      const labels: Record<string, string> = { ...ctx.input.labels };
      if (ctx.task?.id) {
        labels[SCAFFOLDER_TASK_LABEL] = ctx.task.id;
      }
      const request: CreateSandboxRequest = {
        name,
        workspace,
        template,
        size,
        env: ctx.input.env ?? {},
        network: ctx.input.network ?? false,
        labels,
        ...(ctx.input.repoUrl && {
          repo: {
            url: ctx.input.repoUrl,
            ...(ctx.input.repoRef && { ref: ctx.input.repoRef }),
          },
        }),
        ...(ctx.input.ttlHours !== undefined && {
          ttlSeconds: Math.round(ctx.input.ttlHours * 3600),
        }),
        ...(ctx.input.idleTimeoutMinutes !== undefined && {
          idleTimeoutSeconds: ctx.input.idleTimeoutMinutes * 60,
        }),
        ...(ownerGroup && { ownerGroup }),
      };
      // The backend checks the same schema; checking here fails the step before any call, with
      // every problem at once.
      const parsed = createSandboxRequestSchema.safeParse(request);
      if (!parsed.success) {
        throw new InputError(
          `Invalid sandbox request: ${formatZodError(parsed.error)}`,
        );
      }

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create sandbox ${label} from template ${template} (size ${size})`,
        );
        ctx.output('id', 'dry-run');
        ctx.output('state', 'pending');
        ctx.output('links', {});
        ctx.output('entityRef', sandboxEntityRef(workspace, name));
        return;
      }

      const credentials = await ctx.getInitiatorCredentials();
      const requestOptions: SandboxRequestOptions = {
        credentials,
        signal: ctx.signal,
      };

      const created = await ctx.checkpoint({
        key: `sandbox.create.${workspace}.${name}`,
        fn: async () => {
          ctx.logger.info(
            `Creating sandbox ${label} from template ${template} (size ${size}${
              ownerGroup ? `, owned by ${ownerGroup}` : ''
            })`,
          );
          try {
            const sandbox = await client.createSandbox(request, requestOptions);
            ctx.logger.info(
              `Sandbox ${label} created with id ${sandbox.id}; it is ${sandbox.state}`,
            );
            return { id: sandbox.id, state: sandbox.state };
          } catch (error) {
            if (!ResponseError.is(error) || error.statusCode !== 409) {
              throw error;
            }
            const own = await findOwnSandbox(ctx.task?.id);
            if (!own) {
              throw new ConflictError(
                `A sandbox named '${name}' already exists in workspace '${workspace}'`,
              );
            }
            ctx.logger.info(
              `Sandbox ${label} (${own.id}) was already created by this task; continuing with it`,
            );
            return { id: own.id, state: own.state };
          }
        },
      });

      const { sandbox } = await waitForSandbox({
        client,
        credentials,
        logger: ctx.logger,
        id: created.id,
        label,
        target: 'running',
        failOn: ['failed', 'deleting', 'deleted'],
        timeoutMs: waitTimeoutSeconds * 1000,
        pollIntervalMs,
        initialState: created.state as SandboxState,
        signal: ctx.signal,
      });

      // waitForSandbox only returns without a sandbox for notFoundIsTarget, which we do not set.
      const links: Partial<SandboxLinks> = {};
      for (const key of ['portal', 'vscode', 'jetbrainsGateway'] as const) {
        const url = sandbox?.links?.[key];
        if (url) {
          links[key] = url;
        }
      }
      ctx.output('id', created.id);
      ctx.output('state', sandbox?.state ?? 'running');
      ctx.output('links', links);
      ctx.output(
        'entityRef',
        sandbox?.entityRef ?? sandboxEntityRef(workspace, name),
      );

      /** After a 409: the sandbox of that name, if this very task created it. */
      async function findOwnSandbox(taskId: string | undefined) {
        if (!taskId) {
          return undefined;
        }
        let cursor: string | undefined;
        do {
          const page = await client.listSandboxes(
            { workspace, limit: 200, cursor },
            requestOptions,
          );
          const match = page.items.find(
            s =>
              s.name === name &&
              s.state !== 'deleted' &&
              s.labels?.[SCAFFOLDER_TASK_LABEL] === taskId,
          );
          if (match) {
            return match;
          }
          cursor = page.nextCursor;
        } while (cursor);
        return undefined;
      }
    },
  });
}

/** `team`, `default/team` or `group:default/Team` -> `group:default/team`. */
function normalizeGroupRef(ref: string): string {
  let parsed;
  try {
    parsed = parseEntityRef(ref, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new InputError(
      `Invalid ownerGroup '${ref}': ${(error as Error).message}`,
    );
  }
  if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
    throw new InputError(
      `Invalid ownerGroup '${ref}': must be a group, not a ${parsed.kind}`,
    );
  }
  return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
}

/**
 * The first group in the user's `spec.memberOf`, as a full lowercase ref (relative refs resolve in
 * the user's namespace). Nothing when the user has no group or the ref is unusable: the backend
 * then falls back to the user as owner.
 */
function defaultOwnerGroup(user: UserEntity | undefined): string | undefined {
  const first = user?.spec?.memberOf?.[0];
  if (!user || !first) {
    return undefined;
  }
  try {
    const parsed = parseEntityRef(first, {
      defaultKind: 'group',
      defaultNamespace: user.metadata.namespace ?? 'default',
    });
    return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}
