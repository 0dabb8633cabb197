import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { BasicPermission, ResourcePermission } from '@backstage/plugin-permission-common';
import {
  createSandboxRequestSchema,
  execRequestSchema,
  formatZodError,
  listSandboxesQuerySchema,
  sandboxCreatePermission,
  sandboxDeletePermission,
  sandboxExecPermission,
  sandboxReadPermission,
  sandboxUpdatePermission,
} from '@internal/plugin-sandbox-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { SandboxService } from './service/SandboxService';
import { OllamaClient } from './service/OllamaClient';
import { authorizeOrThrow, filterReadable, requireUser } from './service/authorize';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  service: SandboxService;
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

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, service, ollama } = options;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  async function authorize(
    req: Request,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ) {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    await authorizeOrThrow(permissions, credentials, permission, resourceRef);
    return credentials;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/driver', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    try {
      await service.healthCheck();
      res.json({ driver: service.driverName, healthy: true });
    } catch (e) {
      res.status(503).json({ driver: service.driverName, healthy: false, message: (e as Error).message });
    }
  });

  router.post('/sandboxes', async (req, res) => {
    const body = parse(createSandboxRequestSchema, req.body, 'sandbox request');
    const credentials = await authorize(req, sandboxCreatePermission);
    const sandbox = await service.create(body, requireUser(credentials));
    res.status(201).json(sandbox);
  });

  router.get('/sandboxes', async (req, res) => {
    const query = parse(listSandboxesQuerySchema, req.query, 'query');
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const page = await service.list({ ...query, limit: query.limit });
    // item-level read permission (the policy may hide other workspaces' sandboxes)
    const items = await filterReadable(permissions, credentials, sandboxReadPermission, page.items);
    res.json({ ...page, items, totalCount: page.totalCount - (page.items.length - items.length) });
  });

  router.get('/sandboxes/:id', async (req, res) => {
    await authorize(req, sandboxReadPermission, req.params.id);
    res.json(await service.get(req.params.id));
  });

  router.post('/sandboxes/:id/start', async (req, res) => {
    await authorize(req, sandboxUpdatePermission, req.params.id);
    res.status(202).json(await service.start(req.params.id));
  });

  router.post('/sandboxes/:id/stop', async (req, res) => {
    await authorize(req, sandboxUpdatePermission, req.params.id);
    res.status(202).json(await service.stop(req.params.id));
  });

  router.delete('/sandboxes/:id', async (req, res) => {
    await authorize(req, sandboxDeletePermission, req.params.id);
    res.status(202).json(await service.delete(req.params.id));
  });

  router.get('/sandboxes/:id/logs', async (req, res) => {
    const { tail } = parse(tailSchema, req.query, 'query');
    await authorize(req, sandboxReadPermission, req.params.id);
    res.json({ logs: await service.logs(req.params.id, tail) });
  });

  router.post('/sandboxes/:id/exec', async (req, res) => {
    const body = parse(execRequestSchema, req.body, 'exec request');
    await authorize(req, sandboxExecPermission, req.params.id);
    res.json(await service.exec(req.params.id, body));
  });

  router.get('/ollama/models', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    if (!ollama) {
      throw new ServiceUnavailableError('No Ollama endpoint is configured (sandbox.ollama.baseUrl)');
    }
    res.json({ models: await ollama.listModels() });
  });

  return router;
}
