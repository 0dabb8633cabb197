import { HttpAuthService, HttpRouterService, RootConfigService } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { createExecInSandboxAction } from '../actions/createExecInSandboxAction';
import { createListSandboxFilesAction } from '../actions/createListSandboxFilesAction';
import { createReadSandboxFileAction } from '../actions/createReadSandboxFileAction';
import { createWriteSandboxFileAction } from '../actions/createWriteSandboxFileAction';
import type { SandboxRecord } from '../database/SandboxStore';
import type { SandboxDriver } from '../drivers/types';
import { AuditLog } from '../service/AuditLog';
import { SandboxAuthorizer } from '../service/authorize';
import { InsideService } from './InsideService';
import { createInsideRouter, createPortUpgradeHandler } from './router';
import { sandboxUpgrades } from './upgrades';

export { InsideService } from './InsideService';
export type { InsideExecRequest, PortTarget } from './InsideService';
export { sandboxUpgrades, UpgradeRouter } from './upgrades';

/**
 * Wires the inside-the-sandbox API: the InsideService, its routes (mounted here, so call this
 * BEFORE the plugin's main router is mounted: the proxy needs raw bodies), the user-cookie auth
 * policy of the port proxy, its WebSocket upgrades and the MCP actions. Returns the service (the
 * OpenHands runtime API proxies through it too).
 */
export function registerInside(deps: {
  config: RootConfigService;
  httpRouter: HttpRouterService;
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  driver: SandboxDriver;
  getRecord(id: string): Promise<SandboxRecord>;
  touch(id: string): Promise<void>;
  actionsRegistry: ActionsRegistryService;
}): InsideService {
  const { config, httpRouter, httpAuth, authorizer, audit } = deps;
  const backendBaseUrl = (config.getOptionalString('backend.baseUrl') ?? 'http://localhost:7007').replace(/\/$/, '');
  const basePath = '/api/sandbox';
  const maxMiB = config.getOptionalNumber('sandbox.inside.maxTransferMiB') ?? 64;
  const inside = new InsideService({
    getRecord: deps.getRecord,
    driver: deps.driver,
    touch: deps.touch,
    portUrl: (id, port) => `${backendBaseUrl}${basePath}/sandboxes/${id}/ports/${port}/`,
    maxTransferBytes: maxMiB * 1024 * 1024,
  });
  const workspaceOf = (id: string) => deps.getRecord(id).then(r => r.workspace, () => undefined);

  httpRouter.use(sandboxUpgrades.middleware());
  httpRouter.use(createInsideRouter({ httpAuth, authorizer, audit, inside, workspaceOf }));
  httpRouter.addAuthPolicy({ path: '/sandboxes/:id/ports', allow: 'user-cookie' });
  const origins = [config.getOptionalString('app.baseUrl') ?? backendBaseUrl, backendBaseUrl].map(u => new URL(u).origin);
  sandboxUpgrades.register(
    `${basePath}/sandboxes/`,
    createPortUpgradeHandler({ httpAuth, authorizer, inside, basePath, allowedOrigins: [...new Set(origins)] }),
  );

  const actionDeps = { inside, authorizer, audit, actionsRegistry: deps.actionsRegistry, workspaceOf };
  createExecInSandboxAction(actionDeps);
  createReadSandboxFileAction(actionDeps);
  createWriteSandboxFileAction(actionDeps);
  createListSandboxFilesAction(actionDeps);
  return inside;
}
