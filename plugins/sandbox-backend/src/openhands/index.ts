import { HttpRouterService, LifecycleService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Knex } from 'knex';
import { ApiKeyService } from '../apikeys';
import { AuditLog } from '../service/AuditLog';
import { Clock, TemplateImage } from '../service/types';
import { DatabaseRuntimeStore } from './DatabaseRuntimeStore';
import { OpenHandsGateway } from './gateway';
import { imageAllowed } from './images';
import { OpenHandsOptions, OpenHandsService, RuntimeConfig, RuntimeSandboxes } from './OpenHandsService';
import { createOpenHandsRouter, OPENHANDS_API_PATH } from './router';
import { InsidePorts } from './types';

export { DatabaseRuntimeStore } from './DatabaseRuntimeStore';
export { OpenHandsGateway, parseGatewayPath } from './gateway';
export { commandToArgv, globToRegExp, imageAllowed } from './images';
export { credentialsOf, labelValue, OpenHandsService } from './OpenHandsService';
export type { OpenHandsOptions, RuntimeConfig, RuntimeSandboxes } from './OpenHandsService';
export { createOpenHandsRouter, OPENHANDS_API_PATH } from './router';
export * from './types';

export const DEFAULT_RESOURCE_FACTOR_SIZES: Record<string, string> = { '1': 'medium', '2': 'large', '4': 'large', '8': 'large' };

/** `sandbox.openhands.*` -> service options (templates give the warm configs when none are listed). */
export function readOpenHandsOptions(config: Config, templates: Record<string, TemplateImage>): OpenHandsOptions {
  const section = config.getOptionalConfig('sandbox.openhands');
  const allowedImages = section?.getOptionalStringArray('allowedImages') ?? [];
  const sizes = { ...DEFAULT_RESOURCE_FACTOR_SIZES };
  for (const entry of section?.getOptionalConfigArray('resourceFactors') ?? []) {
    sizes[String(entry.getNumber('factor'))] = entry.getString('size');
  }
  const listed = section?.getOptionalConfigArray('runtimeConfigs');
  const configs: RuntimeConfig[] = listed
    ? listed.map(c => ({
        name: c.getString('name'),
        image: c.getString('image'),
        command: c.getOptionalStringArray('command') ?? null,
        environment: (c.getOptionalConfig('environment')?.get() as Record<string, string>) ?? {},
        working_dir: c.getOptionalString('workingDir') ?? '/workspace',
      }))
    : Object.entries(templates)
        .filter(([, t]) => imageAllowed(t.image, allowedImages))
        .map(([name, t]) => ({ name, image: t.image, command: null, environment: t.env ?? {}, working_dir: '/workspace' }));
  return {
    allowedImages,
    sizes,
    template: section?.getOptionalString('template') ?? 'openhands',
    network: section?.getOptionalBoolean('network') ?? true,
    registryPrefix: section?.getOptionalString('registryPrefix'),
    configs,
  };
}

/**
 * The OpenHands runtime API in the plugin's init, when `sandbox.openhands.enabled`: the routes
 * under /api/sandbox/openhands (X-API-Key, so the path is open to unauthenticated requests and
 * the router checks the key), and the runtime gateway on its own port.
 */
export async function registerOpenHands(deps: {
  config: Config;
  knex: Knex;
  logger: LoggerService;
  lifecycle: LifecycleService;
  httpRouter: HttpRouterService;
  apiKeys: ApiKeyService;
  audit: AuditLog;
  sandboxes: RuntimeSandboxes;
  inside?: InsidePorts;
  templates: Record<string, TemplateImage>;
  clock: Clock;
}): Promise<OpenHandsService | undefined> {
  const { config, logger } = deps;
  if (!config.getOptionalBoolean('sandbox.openhands.enabled')) return undefined;
  const openhands = new OpenHandsService({
    store: new DatabaseRuntimeStore(deps.knex),
    sandboxes: deps.sandboxes,
    inside: deps.inside,
    audit: deps.audit,
    clock: deps.clock,
    logger,
    options: readOpenHandsOptions(config, deps.templates),
  });
  deps.httpRouter.use(createOpenHandsRouter({ apiKeys: deps.apiKeys, openhands }));
  deps.httpRouter.addAuthPolicy({ path: OPENHANDS_API_PATH, allow: 'unauthenticated' });

  if (!deps.inside) {
    logger.warn('OpenHands runtime API: no inside-the-sandbox service, the runtime gateway is off');
    return openhands;
  }
  const gateway = new OpenHandsGateway({ openhands, inside: deps.inside, logger });
  const host = config.getOptionalString('sandbox.openhands.gateway.host') ?? '0.0.0.0';
  const port = await gateway.listen({ host, port: config.getOptionalNumber('sandbox.openhands.gateway.port') ?? 7008 });
  openhands.setGatewayBaseUrl(config.getOptionalString('sandbox.openhands.gateway.baseUrl') ?? `http://localhost:${port}`);
  logger.info(`OpenHands runtime gateway listening on ${host}:${port}`);
  deps.lifecycle.addShutdownHook(() => gateway.close());
  return openhands;
}
