import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';

/** Handles one upgrade; resolves true when it took the socket, false to leave it to others. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<boolean>;

/**
 * HTTP upgrades (WebSocket) for path prefixes. Backstage's `httpRouter.addWebSocketHandler` only
 * matches exact paths, and the port proxy needs every path under `/sandboxes/<id>/ports/<port>/`,
 * so this listens on the backend's HTTP server itself. It answers only upgrades whose path starts
 * with a registered prefix and leaves all others to Backstage's own upgrade routing (which, with
 * another listener present, leaves unmatched upgrades alone; this router then answers 404 for
 * them when nobody else listens).
 *
 * The server is attached either by the backend's root HTTP router (`configure` gets the server:
 * packages/backend) or, failing that, from the first HTTP request the plugin sees
 * (`req.socket.server`), through {@link UpgradeRouter.middleware}.
 */
export class UpgradeRouter {
  private readonly servers = new WeakSet<Server>();
  private readonly routes: Array<{ prefix: string; handler: UpgradeHandler }> = [];

  /** Starts listening for upgrades on `server` (idempotent). */
  attach(server: Server | undefined): void {
    if (!server || this.servers.has(server) || typeof server.on !== 'function') return;
    this.servers.add(server);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handle(req, socket, head, server).catch(() => socket.destroy());
    });
  }

  /** Routes upgrades whose path starts with `prefix` (e.g. `/api/sandbox/sandboxes/`). */
  register(prefix: string, handler: UpgradeHandler): void {
    // a re-initialised plugin (tests start several backends in one process) replaces its route
    const existing = this.routes.findIndex(r => r.prefix === prefix);
    if (existing >= 0) this.routes.splice(existing, 1);
    this.routes.push({ prefix, handler });
  }

  /** Express middleware that attaches the server of the requests it sees. */
  middleware() {
    return (req: Request, _res: Response, next: NextFunction) => {
      this.attach((req.socket as { server?: Server }).server);
      next();
    };
  }

  /** Runs the matching handlers; exposed for tests. */
  async handle(req: IncomingMessage, socket: Duplex, head: Buffer, server?: Server): Promise<void> {
    const pathname = (req.url ?? '/').split('?')[0];
    for (const route of this.routes) {
      if (pathname.startsWith(route.prefix) && (await route.handler(req, socket, head))) return;
    }
    if (server && server.listenerCount('upgrade') === 1) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  }
}

/** The process's upgrade router (one HTTP server per backend process). */
export const sandboxUpgrades = new UpgradeRouter();
