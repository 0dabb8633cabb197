import {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import { AuthorizeResult, BasicPermission, ResourcePermission } from '@backstage/plugin-permission-common';
import {
  auditQuerySchema,
  auditReadPermission,
  billingReadPermission,
  createSandboxRequestSchema,
  createWorkspaceRequestSchema,
  execRequestSchema,
  formatZodError,
  listSandboxesQuerySchema,
  memberRefSchema,
  quotaOverridePermission,
  quotaOverridesSchema,
  sandboxCreatePermission,
  sandboxDeletePermission,
  sandboxExecPermission,
  sandboxReadPermission,
  sandboxUpdatePermission,
  setMemberRequestSchema,
  updateWorkspaceRequestSchema,
  workspaceCreatePermission,
  workspaceManagePermission,
  workspaceReadPermission,
} from '@internal/plugin-sandbox-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { AuditLog, AuditTarget } from './service/AuditLog';
import { OllamaClient } from './service/OllamaClient';
import { auditedRequests } from './service/requests';
import { SandboxService } from './service/SandboxService';
import { WorkspaceService } from './service/WorkspaceService';
import { requireUser, SandboxAuthorizer } from './service/authorize';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  authorizer: SandboxAuthorizer;
  logger: LoggerService;
  service: SandboxService;
  workspaces: WorkspaceService;
  audit: AuditLog;
  ollama?: OllamaClient;
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(`Invalid ${where}: ${formatZodError(parsed.error)}`);
  }
  return parsed.data;
}

const tailSchema = z.object({ tail: z.coerce.number().int().min(1).max(10000).default(200) }).strict();
const daysSchema = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }).strict();
const resizeSchema = z.object({ size: z.string() }).strict();
/** `POST /sandboxes?wait=true&timeoutSeconds=60`: answer once the sandbox is running (or failed). */
const createQuerySchema = z
  .object({
    wait: z.enum(['true', 'false']).default('false'),
    timeoutSeconds: z.coerce.number().int().min(1).max(600).default(60),
  })
  .strict();
const usageQuerySchema = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(10000).default(1000),
    workspace: z.string().optional(),
  })
  .strict();

/** The caller's user ref and group refs (from the catalog, via the user info service). */
export type ClaimsResolver = (credentials: BackstageCredentials) => Promise<string[]>;

export async function createRouter(
  options: RouterOptions & { claimsOf?: ClaimsResolver },
): Promise<express.Router> {
  const { httpAuth, permissions, authorizer, service, workspaces, audit, ollama } = options;
  const claimsOf: ClaimsResolver =
    options.claimsOf ??
    (async c => ((c.principal as { userEntityRef?: string }).userEntityRef ? [(c.principal as any).userEntityRef] : []));
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const { credentialsOf, mutate } = auditedRequests(httpAuth, audit);

  async function authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ) {
    await authorizer.authorize(credentials, permission, resourceRef);
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/driver', async (req, res) => {
    await credentialsOf(req);
    try {
      await service.healthCheck();
      res.json({ driver: service.driverName, healthy: true });
    } catch (e) {
      res.status(503).json({ driver: service.driverName, healthy: false, message: (e as Error).message });
    }
  });

  // --- sandboxes ---

  router.post('/sandboxes', async (req, res) => {
    const query = parse(createQuerySchema, req.query, 'query');
    const workspace = typeof req.body?.workspace === 'string' ? req.body.workspace : '';
    const created = await mutate(
      req,
      { action: 'sandbox.create', targetType: 'sandbox', targetId: String(req.body?.name ?? ''), workspace: workspace || undefined },
      async credentials => {
        const body = parse(createSandboxRequestSchema, req.body, 'sandbox request');
        await authorize(credentials, sandboxCreatePermission, body.workspace);
        return service.create(body, requireUser(credentials));
      },
      s => ({ targetId: s.id }),
    );
    // wait=true: no polling for clients (agents) that want a usable sandbox in one call; the
    // answer is the sandbox once running, failed or deleted, or as it is at the timeout
    const sandbox =
      query.wait === 'true'
        ? await service.waitUntil(created.id, ['running', 'failed', 'deleted'], query.timeoutSeconds * 1000)
        : created;
    res.status(201).json(sandbox);
  });

  router.get('/sandboxes', async (req, res) => {
    const query = parse(listSandboxesQuerySchema, req.query, 'query');
    const credentials = await credentialsOf(req);
    const page = await service.list(query as any);
    const items = await authorizer.filter(credentials, sandboxReadPermission, page.items);
    res.json({ ...page, items, totalCount: page.totalCount - (page.items.length - items.length) });
  });

  router.get('/sandboxes/:id', async (req, res) => {
    await authorize(await credentialsOf(req), sandboxReadPermission, req.params.id);
    res.json(await service.get(req.params.id));
  });

  const sandboxMutation = (
    action: string,
    permission: ResourcePermission,
    fn: (id: string, req: Request) => Promise<unknown>,
    status = 202,
  ) =>
    async (req: Request, res: express.Response) => {
      const id = req.params.id;
      const workspace = await service.getRecord(id).then(r => r.workspace, () => undefined);
      const result = await mutate(req, { action, targetType: 'sandbox', targetId: id, workspace }, async credentials => {
        await authorize(credentials, permission, id);
        return fn(id, req);
      });
      res.status(status).json(result);
    };

  router.post('/sandboxes/:id/start', sandboxMutation('sandbox.start', sandboxUpdatePermission, id => service.start(id)));
  router.post('/sandboxes/:id/stop', sandboxMutation('sandbox.stop', sandboxUpdatePermission, id => service.stop(id)));
  // pause / resume complete before answering (milliseconds on Docker), hence 200 rather than 202
  router.post('/sandboxes/:id/pause', sandboxMutation('sandbox.pause', sandboxUpdatePermission, id => service.pause(id), 200));
  router.post('/sandboxes/:id/resume', sandboxMutation('sandbox.resume', sandboxUpdatePermission, id => service.resume(id), 200));
  router.post('/sandboxes/:id/resize', sandboxMutation('sandbox.resize', sandboxUpdatePermission, (id, req) =>
    service.resize(id, parse(resizeSchema, req.body, 'resize request').size),
  ));
  router.delete('/sandboxes/:id', sandboxMutation('sandbox.delete', sandboxDeletePermission, id => service.delete(id)));

  router.get('/sandboxes/:id/logs', async (req, res) => {
    const { tail } = parse(tailSchema, req.query, 'query');
    await authorize(await credentialsOf(req), sandboxReadPermission, req.params.id);
    res.json({ logs: await service.logs(req.params.id, tail) });
  });

  router.post('/sandboxes/:id/exec', async (req, res) => {
    const id = req.params.id;
    const workspace = await service.getRecord(id).then(r => r.workspace, () => undefined);
    const result = await mutate(req, { action: 'sandbox.exec', targetType: 'sandbox', targetId: id, workspace }, async credentials => {
      const body = parse(execRequestSchema, req.body, 'exec request');
      await authorize(credentials, sandboxExecPermission, id);
      return service.exec(id, body);
    }, r => ({ message: `exit ${r.exitCode}` }));
    res.json(result);
  });

  // --- workspaces ---

  router.get('/workspaces', async (req, res) => {
    const credentials = await credentialsOf(req);
    const claims = await claimsOf(credentials);
    const all = workspaces.isAdmin(claims);
    res.json({ items: await workspaces.listFor(claims, all || credentials.principal.type === 'service') });
  });

  router.post('/workspaces', async (req, res) => {
    const details = await mutate(
      req,
      { action: 'workspace.create', targetType: 'workspace', targetId: String(req.body?.name ?? '') },
      async credentials => {
        const body = parse(createWorkspaceRequestSchema, req.body, 'workspace request');
        await authorize(credentials, workspaceCreatePermission);
        return workspaces.create(body, requireUser(credentials));
      },
      ws => ({ targetId: ws.name }),
    );
    res.status(201).json(details);
  });

  router.get('/workspaces/:name', async (req, res) => {
    const credentials = await credentialsOf(req);
    await authorize(credentials, workspaceReadPermission, req.params.name);
    res.json(await workspaces.details(req.params.name, await claimsOf(credentials)));
  });

  const workspaceMutation = (action: string, targetType: AuditTarget['targetType'], fn: (name: string, req: Request, credentials: BackstageCredentials) => Promise<unknown>, status = 200) =>
    async (req: Request, res: express.Response) => {
      const name = req.params.name;
      const targetId = req.params.memberRef ? decodeURIComponent(req.params.memberRef) : name;
      const result = await mutate(req, { action, targetType, targetId, workspace: name }, async credentials => {
        await authorize(credentials, targetType === 'quota' ? quotaOverridePermission : workspaceManagePermission, name);
        return fn(name, req, credentials);
      });
      if (status === 204) res.status(204).end();
      else res.status(status).json(result);
    };

  router.patch('/workspaces/:name', workspaceMutation('workspace.update', 'workspace', async (name, req, c) => {
    await workspaces.update(name, parse(updateWorkspaceRequestSchema, req.body, 'workspace update'));
    return workspaces.details(name, await claimsOf(c));
  }));
  router.post('/workspaces/:name/archive', workspaceMutation('workspace.archive', 'workspace', async (name, _req, c) => {
    await workspaces.setArchived(name, true);
    return workspaces.details(name, await claimsOf(c));
  }));
  router.post('/workspaces/:name/unarchive', workspaceMutation('workspace.unarchive', 'workspace', async (name, _req, c) => {
    await workspaces.setArchived(name, false);
    return workspaces.details(name, await claimsOf(c));
  }));
  router.put('/workspaces/:name/members/:memberRef', workspaceMutation('workspace.member.set', 'member', async (name, req, c) => {
    const ref = parse(memberRefSchema, decodeURIComponent(req.params.memberRef), 'member ref');
    const { role } = parse(setMemberRequestSchema, req.body, 'member request');
    return workspaces.setMember(name, ref, role, requireUser(c));
  }));
  router.delete('/workspaces/:name/members/:memberRef', workspaceMutation('workspace.member.remove', 'member', async (name, req) => {
    await workspaces.removeMember(name, decodeURIComponent(req.params.memberRef));
  }, 204));

  router.get('/workspaces/:name/quota', async (req, res) => {
    await authorize(await credentialsOf(req), workspaceReadPermission, req.params.name);
    res.json(await workspaces.quota(req.params.name));
  });
  router.put('/workspaces/:name/quota', workspaceMutation('quota.override', 'quota', async (name, req, c) =>
    workspaces.setQuotaOverrides(name, parse(quotaOverridesSchema, req.body, 'quota overrides'), requireUser(c)),
  ));

  router.get('/workspaces/:name/activity', async (req, res) => {
    const { days } = parse(daysSchema, req.query, 'query');
    await authorize(await credentialsOf(req), workspaceReadPermission, req.params.name);
    res.json({ days: await workspaces.activity(req.params.name, days) });
  });

  // --- audit log ---

  router.get('/audit', async (req, res) => {
    const query = parse(auditQuerySchema, req.query, 'query');
    const credentials = await credentialsOf(req);
    // the whole log needs audit.read; otherwise the workspaces the caller manages
    const [global] = await permissions.authorize([{ permission: auditReadPermission }], { credentials });
    let visible: string[] | undefined;
    if (global.result !== AuthorizeResult.ALLOW) {
      const claims = await claimsOf(credentials);
      const mine = [...(await workspaces.store.workspacesOf(claims)).keys()];
      const manageable = await authorizer.filter(credentials, workspaceManagePermission, mine.map(id => ({ id })));
      visible = manageable.map(w => w.id);
      if (query.workspace && !visible.includes(query.workspace)) {
        throw new NotAllowedError(`Not allowed to read the audit log of workspace '${query.workspace}'`);
      }
    }
    res.json(await workspaces.store.listAudit({ ...query, workspaces: query.workspace ? undefined : visible }));
  });

  // --- usage ledger (read by billing with service credentials, by workspace admins per workspace) ---

  router.get('/usage', async (req, res) => {
    const query = parse(usageQuerySchema, req.query, 'query');
    const credentials = await credentialsOf(req);
    if ((credentials.principal as { type: string }).type !== 'service') {
      if (!query.workspace) {
        throw new InputError('workspace: required unless called by a backend service');
      }
      await authorize(credentials, billingReadPermission, query.workspace);
    }
    res.json(await service.usage(query));
  });

  router.get('/ollama/models', async (req, res) => {
    await credentialsOf(req);
    if (!ollama) {
      throw new ServiceUnavailableError('No Ollama endpoint is configured (sandbox.ollama.baseUrl)');
    }
    res.json({ models: await ollama.listModels() });
  });

  return router;
}
