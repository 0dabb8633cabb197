import { InputError } from '@backstage/errors';
import { formatZodError } from '@internal/plugin-sandbox-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { ApiKeyService, VerifiedApiKey } from '../apikeys';
import { OpenHandsService } from './OpenHandsService';
import { runtimeRefSchema, startRequestSchema } from './types';

/** Where the runtime API is mounted under the plugin (`/api/sandbox/openhands`). */
export const OPENHANDS_API_PATH = '/openhands';

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputError(`Invalid ${where}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

const idsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform(v => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().min(1).max(255)).max(500));

/**
 * The OpenHands runtime API, as OpenHands' clients call it (sandbox-server's RemoteSandboxService,
 * the SDK's APIRemoteWorkspace and the legacy RemoteRuntime). Authenticated by `X-API-Key` (a
 * workspace API key) only: the plugin's auth policy lets these paths through and every route
 * checks the key itself.
 */
export function createOpenHandsRouter(options: { apiKeys: ApiKeyService; openhands: OpenHandsService }): express.Router {
  const { apiKeys, openhands } = options;
  const api = Router();
  api.use(express.json({ limit: '1mb' }));
  const keyOf = (req: Request): Promise<VerifiedApiKey> => apiKeys.verify(req.get('x-api-key') ?? undefined);

  api.post('/start', async (req, res) => {
    const key = await keyOf(req);
    res.status(201).json(await openhands.start(key, parse(startRequestSchema, req.body, 'start request')));
  });

  // registered before /sessions/:sessionId so `batch` is not taken for a session id
  api.get('/sessions/batch', async (req, res) => {
    const key = await keyOf(req);
    const ids = parse(idsSchema, req.query.ids ?? [], 'query ids');
    res.json(await openhands.sessions(key, ids));
  });

  api.get('/sessions/:sessionId', async (req, res) => {
    const key = await keyOf(req);
    res.json(await openhands.session(key, req.params.sessionId));
  });

  api.get('/list', async (req, res) => {
    const key = await keyOf(req);
    res.json({ runtimes: await openhands.list(key) });
  });

  api.get('/runtime/:runtimeId', async (req, res) => {
    const key = await keyOf(req);
    res.json(await openhands.runtime(key, req.params.runtimeId));
  });

  for (const action of ['pause', 'resume', 'stop'] as const) {
    api.post(`/${action}`, async (req, res) => {
      const key = await keyOf(req);
      const { runtime_id } = parse(runtimeRefSchema, req.body, `${action} request`);
      res.json(await openhands[action](key, runtime_id));
    });
  }

  api.get('/registry_prefix', async (req, res) => {
    await keyOf(req);
    res.json({ registry_prefix: openhands.registryPrefix() });
  });

  api.get('/image_exists', async (req, res) => {
    await keyOf(req);
    const { image } = parse(z.object({ image: z.string().min(1).max(255) }), req.query, 'query');
    res.json({ exists: openhands.imageExists(image) });
  });

  api.get('/api/warm-runtime-configs', async (req, res) => {
    await keyOf(req);
    res.json({ configs: openhands.warmConfigs() });
  });

  const router = Router();
  router.use(OPENHANDS_API_PATH, api);
  return router;
}
