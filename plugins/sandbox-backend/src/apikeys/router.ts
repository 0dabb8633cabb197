import { BackstageCredentials, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { createApiKeyRequestSchema, formatZodError, workspaceManagePermission } from '@internal/plugin-sandbox-common';
import express from 'express';
import Router from 'express-promise-router';
import { AuditLog } from '../service/AuditLog';
import { auditedRequests } from '../service/requests';
import { SandboxAuthorizer } from '../service/authorize';
import { WorkspaceService } from '../service/WorkspaceService';
import { ApiKeyService } from './ApiKeyService';

/** Keys act for the user who made them, so only users (not backend services) make or revoke them. */
function userOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as { type: string; userEntityRef?: string };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('API keys are created and revoked by users: a key acts for the user who created it');
  }
  return principal.userEntityRef;
}

export interface ApiKeyRouterOptions {
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  workspaces: WorkspaceService;
  apiKeys: ApiKeyService;
}

/**
 * `GET/POST /workspaces/{name}/api-keys`, `DELETE /workspaces/{name}/api-keys/{id}`: workspace
 * admins (the workspace.manage permission) list, create and revoke keys; create and revoke are
 * audited. A key is created by a user (it acts for that user: sandboxes it starts are theirs).
 */
export function createApiKeyRouter(options: ApiKeyRouterOptions): express.Router {
  const { httpAuth, authorizer, audit, workspaces, apiKeys } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  const { credentialsOf, mutate } = auditedRequests(httpAuth, audit);

  router.get('/workspaces/:name/api-keys', async (req, res) => {
    await authorizer.authorize(await credentialsOf(req), workspaceManagePermission, req.params.name);
    await workspaces.store.requireWorkspace(req.params.name);
    res.json({ items: await apiKeys.list(req.params.name) });
  });

  router.post('/workspaces/:name/api-keys', async (req, res) => {
    const name = req.params.name;
    const created = await mutate(
      req,
      { action: 'workspace.api-key.create', targetType: 'api-key', targetId: String(req.body?.name ?? ''), workspace: name },
      async credentials => {
        const parsed = createApiKeyRequestSchema.safeParse(req.body);
        if (!parsed.success) throw new InputError(`Invalid API key request: ${formatZodError(parsed.error)}`);
        await authorizer.authorize(credentials, workspaceManagePermission, name);
        const user = userOf(credentials);
        await workspaces.store.requireWorkspace(name);
        return apiKeys.create(name, parsed.data, user);
      },
      c => ({ targetId: c.item.id, message: `key '${c.item.name}' (${c.item.prefix}…)` }),
    );
    res.status(201).json(created);
  });

  router.delete('/workspaces/:name/api-keys/:id', async (req, res) => {
    const { name, id } = req.params;
    const revoked = await mutate(
      req,
      { action: 'workspace.api-key.revoke', targetType: 'api-key', targetId: id, workspace: name },
      async credentials => {
        await authorizer.authorize(credentials, workspaceManagePermission, name);
        return apiKeys.revoke(name, id, userOf(credentials));
      },
      k => ({ message: `key '${k.name}' (${k.prefix}…)` }),
    );
    res.json(revoked);
  });

  return router;
}
