import { BackstageCredentials, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { execRequestSchema, formatZodError, sandboxExecPermission } from '@internal/plugin-sandbox-common';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { PayloadTooLargeError } from '../agent/AgentClient';
import { AuditLog } from '../service/AuditLog';
import { SandboxAuthorizer } from '../service/authorize';
import { requestIdOf } from '../service/requests';
import { InsideService, writeUpgradeError } from './InsideService';
import { UpgradeHandler } from './upgrades';

export interface InsideRouterOptions {
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  inside: InsideService;
  /** The workspace of a sandbox, for audit entries (undefined when unknown). */
  workspaceOf(sandboxId: string): Promise<string | undefined>;
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputError(`Invalid ${where}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

const pathField = z.string().min(1).startsWith('/').refine(p => !p.includes('\0'), 'must not contain NUL');
const flag = z.enum(['true', 'false', '1', '0']).transform(v => v === 'true' || v === '1');
const pathQuery = z.object({ path: pathField }).strict();
const writeQuery = z
  .object({ path: pathField, mode: z.string().regex(/^[0-7]{3,4}$/, 'an octal mode such as 644').optional(), parents: flag.optional() })
  .strict();
const removeQuery = z.object({ path: pathField, recursive: flag.optional() }).strict();
const mkdirBody = z.object({ path: pathField, parents: z.boolean().optional() }).strict();

/** `/sandboxes/<id>/ports/<port>` and the rest of the path (with query). */
const PORT_PATH = /^\/sandboxes\/([^/?#]+)\/ports\/(\d{1,5})(\/[^]*|\?[^]*)?$/;

/**
 * The inside-the-sandbox API: streamed exec, files, archives, ports and the port proxy. Every
 * route needs `sandbox.exec` on the sandbox (reading its files is as strong as running commands
 * there); exec, file writes, removes and uploads are audited, reads are not.
 * Mounted before the plugin's main router: the proxy and uploads need the raw request body.
 */
export function createInsideRouter(options: InsideRouterOptions): express.Router {
  const { httpAuth, authorizer, audit, inside } = options;
  const router = Router();
  const json = express.json({ limit: '2mb' });

  const credentialsOf = (req: Request) => httpAuth.credentials(req, { allow: ['user', 'service'] });

  async function allowed(req: Request, credentials?: BackstageCredentials) {
    const c = credentials ?? (await credentialsOf(req));
    await authorizer.authorize(c, sandboxExecPermission, req.params.id);
    return c;
  }

  /** Authorised and audited (one entry whatever the outcome). */
  async function mutate<T>(req: Request, action: string, fn: () => Promise<T>, message?: (r: T) => string): Promise<T> {
    const credentials = await credentialsOf(req);
    const id = req.params.id;
    const workspace = await options.workspaceOf(id);
    return audit.track(
      credentials,
      { action, targetType: 'sandbox', targetId: id, workspace, requestId: requestIdOf(req) },
      async () => {
        await allowed(req, credentials);
        return fn();
      },
      message ? r => ({ message: message(r) }) : undefined,
    );
  }

  const sizeOf = (req: Request) => {
    const length = req.get('content-length');
    return length !== undefined ? Number(length) : undefined;
  };

  router.post('/sandboxes/:id/exec/stream', json, async (req, res) => {
    const body = parse(execRequestSchema, req.body, 'exec request');
    const abort = new AbortController();
    await mutate(req, 'sandbox.exec', async () => {
      const events = inside.execStream(req.params.id, body, abort.signal);
      // the first event (or error) decides between an error answer and a stream
      const first = await events.next();
      // no-transform: the root router's compression would otherwise hold events back
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store, no-transform', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      res.on('close', () => abort.abort());
      let exit: { exitCode: number } | undefined;
      const write = (e: { type: string }) => {
        const { type, ...data } = e;
        if (type === 'exit') exit = data as { exitCode: number };
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      try {
        if (!first.done) write(first.value);
        for await (const event of { [Symbol.asyncIterator]: () => events }) write(event);
      } catch (e) {
        if (!abort.signal.aborted) res.write(`event: error\ndata: ${JSON.stringify({ message: (e as Error).message })}\n\n`);
      }
      res.end();
      return exit;
    }, r => (r ? `exit ${r.exitCode}` : 'no exit (stream ended early)'));
  });

  router.get('/sandboxes/:id/files/stat', async (req, res) => {
    const { path } = parse(pathQuery, req.query, 'query');
    await allowed(req);
    res.json(await inside.stat(req.params.id, path));
  });

  router.get('/sandboxes/:id/files/list', async (req, res) => {
    const { path } = parse(pathQuery, req.query, 'query');
    await allowed(req);
    res.json(await inside.list(req.params.id, path));
  });

  router.post('/sandboxes/:id/files/mkdir', json, async (req, res) => {
    const body = parse(mkdirBody, req.body, 'mkdir request');
    res.json(await mutate(req, 'sandbox.file.mkdir', () => inside.mkdir(req.params.id, body.path, { parents: body.parents }), r => r.path));
  });

  router.get('/sandboxes/:id/files', async (req, res) => {
    const { path } = parse(pathQuery, req.query, 'query');
    await allowed(req);
    const { size, stream } = await inside.readFile(req.params.id, path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    stream.pipe(res);
  });

  router.put('/sandboxes/:id/files', async (req, res) => {
    const query = parse(writeQuery, req.query, 'query');
    const result = await mutate(req, 'sandbox.file.write', () =>
      inside.writeFile(req.params.id, query.path, req, {
        mode: query.mode ? parseInt(query.mode, 8) : undefined,
        parents: query.parents,
        size: sizeOf(req),
      }),
      r => `${r.path} (${r.size} bytes)`,
    ).catch(e => drainOn413(req, e));
    res.json(result);
  });

  router.delete('/sandboxes/:id/files', async (req, res) => {
    const query = parse(removeQuery, req.query, 'query');
    res.json(await mutate(req, 'sandbox.file.remove', () => inside.remove(req.params.id, query.path, { recursive: query.recursive }), r => r.path));
  });

  router.get('/sandboxes/:id/archive', async (req, res) => {
    const { path } = parse(pathQuery, req.query, 'query');
    await allowed(req);
    const tar = await inside.downloadArchive(req.params.id, path);
    const name = path.split('/').filter(Boolean).pop() ?? 'root';
    res.writeHead(200, {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.tar"`,
    });
    tar.on('error', e => res.destroy(e));
    tar.pipe(res);
  });

  router.put('/sandboxes/:id/archive', async (req, res) => {
    const { path } = parse(pathQuery, req.query, 'query');
    const result = await mutate(req, 'sandbox.archive.upload', () => inside.uploadArchive(req.params.id, path, req, sizeOf(req)), r => r.path)
      .catch(e => drainOn413(req, e));
    res.json(result);
  });

  router.get('/sandboxes/:id/ports', async (req, res) => {
    await allowed(req);
    res.json(await inside.listPorts(req.params.id));
  });

  // the port proxy: the Backstage user cookie is accepted here (see plugin.ts), so preview links
  // open in a browser tab
  router.all(/^\/sandboxes\/[^/]+\/ports\/\d{1,5}(\/.*)?$/, async (req: Request, res: Response) => {
    const m = PORT_PATH.exec(req.url)!;
    const [, id, portText, rest] = m;
    const prefix = `${req.baseUrl}/sandboxes/${id}/ports/${portText}`;
    if (!rest || rest.startsWith('?')) {
      // relative links of the app inside need the trailing slash
      res.redirect(307, `${prefix}/${rest ?? ''}`);
      return;
    }
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'], allowLimitedAccess: true });
    await authorizer.authorize(credentials, sandboxExecPermission, decodeURIComponent(id));
    await inside.proxyHttp(req, res, { sandboxId: decodeURIComponent(id), port: Number(portText), path: rest, prefix });
  });

  return router;
}

/** A rejected upload: read (and drop) the rest of the body so the 413 reaches the client. */
function drainOn413(req: Request, e: unknown): never {
  if (e instanceof PayloadTooLargeError && !req.readableEnded) {
    req.resume();
  }
  throw e;
}

/**
 * WebSocket upgrades to `<basePath>/sandboxes/<id>/ports/<port>/...`: the same credentials as the
 * HTTP proxy (token or Backstage user cookie), `sandbox.exec` on the sandbox, and, when the
 * browser names an Origin, it must be one of `allowedOrigins` (cross-site WebSocket hijacking).
 */
export function createPortUpgradeHandler(options: {
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  inside: InsideService;
  /** Where the plugin is mounted, e.g. `/api/sandbox`. */
  basePath: string;
  allowedOrigins: string[];
}): UpgradeHandler {
  const { httpAuth, authorizer, inside, basePath, allowedOrigins } = options;
  return async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '';
    if (!url.startsWith(`${basePath}/`)) return false;
    const m = PORT_PATH.exec(url.slice(basePath.length));
    if (!m || !m[3] || m[3].startsWith('?')) return false;
    const [, id, portText, rest] = m;
    try {
      const origin = req.headers.origin;
      if (origin && !allowedOrigins.includes(origin)) {
        throw new NotAllowedError(`WebSocket from origin ${origin} refused`);
      }
      const credentials = await httpAuth.credentials(req as Request, { allow: ['user', 'service'], allowLimitedAccess: true });
      await authorizer.authorize(credentials, sandboxExecPermission, decodeURIComponent(id));
    } catch (e) {
      writeUpgradeError(socket, e as Error);
      return true;
    }
    await inside.proxyUpgrade(req, socket, head, {
      sandboxId: decodeURIComponent(id),
      port: Number(portText),
      path: rest,
      prefix: `${basePath}/sandboxes/${id}/ports/${portText}`,
    });
    return true;
  };
}
