import { LoggerService } from '@backstage/backend-plugin-api';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { OpenHandsService } from './OpenHandsService';
import { AGENT_SERVER_PORT, InsidePorts, SERVICE_PORTS } from './types';

/** `/{runtime_id}[/vscode|/work-1|/work-2][/rest]?query` -> runtime, port inside and path there. */
export function parseGatewayPath(url: string): { runtimeId: string; port: number; path: string; prefix: string } | undefined {
  const q = url.indexOf('?');
  const pathname = q >= 0 ? url.slice(0, q) : url;
  const search = q >= 0 ? url.slice(q) : '';
  const match = /^\/([A-Za-z0-9_-]{1,64})(\/.*)?$/.exec(pathname);
  if (!match) return undefined;
  let rest = match[2] ?? '/';
  let port = AGENT_SERVER_PORT;
  let prefix = `/${match[1]}`;
  const service = /^\/([a-z0-9-]+)(\/.*)?$/.exec(rest);
  if (service && SERVICE_PORTS[service[1]] !== undefined) {
    port = SERVICE_PORTS[service[1]];
    rest = service[2] ?? '/';
    prefix = `${prefix}/${service[1]}`;
  }
  return { runtimeId: match[1], port, path: `${rest}${search}`, prefix };
}

/** A sandbox paused between the check and the proxy is 503; a port nobody answers on is 502. */
function statusOfProxyError(e: unknown): number {
  return (e as Error).name === 'ConflictError' && /paused/.test((e as Error).message) ? 503 : 502;
}

function answer(res: ServerResponse, status: number, message: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message }, detail: message }));
}

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

/**
 * The runtime gateway: a listener of its own, because OpenHands' clients use a runtime's `url` as
 * the root of the agent server (`{url}/alive`, `{url}/api/...`, `{url}/sockets/...`) and, in path
 * mode, build `{scheme}://{host}/{runtime_id}/vscode` from it: the runtime id must be the first
 * path segment. Pass-through only: the agent server inside checks `X-Session-API-Key` itself.
 * Unknown or stopped runtimes answer 404, paused (or not yet running) ones 503.
 */
export class OpenHandsGateway {
  private server?: http.Server;

  constructor(private readonly deps: { openhands: OpenHandsService; inside: InsidePorts; logger: LoggerService }) {}

  async listen(options: { host?: string; port: number }): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch(e => answer(res, 502, `gateway error: ${(e as Error).message}`));
    });
    server.on('upgrade', (req, socket, head) => {
      this.handleUpgrade(req, socket, head).catch(e => refuseUpgrade(socket, 502, `gateway error: ${(e as Error).message}`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>(resolve => server.close(() => resolve()));
  }

  private async resolve(url: string | undefined) {
    const target = parseGatewayPath(url ?? '/');
    if (!target) return { status: 404, message: 'No runtime in this path: expected /{runtime_id}/...' } as const;
    const route = await this.deps.openhands.route(target.runtimeId);
    if (!route) return { status: 404, message: `No runtime '${target.runtimeId}'` } as const;
    if (route.state === 'paused') return { status: 503, message: `Runtime '${target.runtimeId}' is paused; resume it first` } as const;
    // not 503 (which OpenHands' legacy client takes for "paused, resume it"): the runtime is on its way
    if (route.state !== 'ready') return { status: 502, message: `Runtime '${target.runtimeId}' is not running yet` } as const;
    return { status: 200, target: { sandboxId: route.sandboxId, port: target.port, path: target.path, prefix: target.prefix } } as const;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const resolved = await this.resolve(req.url);
    if (resolved.status !== 200) {
      answer(res, resolved.status, resolved.message);
      return;
    }
    try {
      await this.deps.inside.proxyHttp(req, res, resolved.target);
    } catch (e) {
      answer(res, statusOfProxyError(e), (e as Error).message);
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const resolved = await this.resolve(req.url);
    if (resolved.status !== 200) {
      refuseUpgrade(socket, resolved.status, resolved.message);
      return;
    }
    try {
      await this.deps.inside.proxyUpgrade(req, socket, head, resolved.target);
    } catch (e) {
      refuseUpgrade(socket, statusOfProxyError(e), (e as Error).message);
    }
  }
}
