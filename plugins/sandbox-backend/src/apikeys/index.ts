import { HttpAuthService, HttpRouterService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { AuditLog } from '../service/AuditLog';
import { SandboxAuthorizer } from '../service/authorize';
import { Clock } from '../service/types';
import { WorkspaceService } from '../service/WorkspaceService';
import { ApiKeyService } from './ApiKeyService';
import { DatabaseApiKeyStore } from './DatabaseApiKeyStore';
import { createApiKeyRouter } from './router';

export { ApiKeyService, hashApiKey, LAST_USED_RESOLUTION_MS } from './ApiKeyService';
export type { VerifiedApiKey } from './ApiKeyService';
export { DatabaseApiKeyStore } from './DatabaseApiKeyStore';
export { createApiKeyRouter };

/** Workspace API keys in the plugin's init: the service and its routes under /api/sandbox. */
export function registerApiKeys(deps: {
  knex: Knex;
  clock: Clock;
  httpRouter: HttpRouterService;
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  workspaces: WorkspaceService;
}): ApiKeyService {
  const apiKeys = new ApiKeyService({ store: new DatabaseApiKeyStore(deps.knex), clock: deps.clock });
  deps.httpRouter.use(createApiKeyRouter({ ...deps, apiKeys }));
  return apiKeys;
}
