import http from 'node:http';
import { AddressInfo } from 'node:net';
import { LedgerRecord } from '../database/BillingStore';

/**
 * A real HTTP server on 127.0.0.1 that serves the sandbox ledger API the way sandbox-backend does:
 * GET /api/sandbox/usage?after=&limit= (oldest first, nextCursor only on a full page) and
 * GET /api/sandbox/workspaces/:name/quota and GET /api/sandbox/workspaces (with `backingGroup`). Requires a bearer token.
 */
export async function startFakeSandbox(
  records: LedgerRecord[],
  budgets: Record<string, number | null> = {},
  teams: Record<string, string> = { 'team-a': 'group:default/team-a' },
) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url!);
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { name: 'AuthenticationError' } }));
      return;
    }
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/sandbox/workspaces') {
      const names = [...new Set([...records.map(r => r.workspace), ...Object.keys(teams)])].sort();
      const items = names.map(name => ({ name, ...(teams[name] ? { backingGroup: teams[name] } : {}) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
      return;
    }
    const quota = url.pathname.match(/^\/api\/sandbox\/workspaces\/([^/]+)\/quota$/);
    if (quota && quota[1] in budgets) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ plan: 'team', limits: { monthlyBudgetMinor: budgets[quota[1]] } }),
      );
      return;
    }
    if (url.pathname !== '/api/sandbox/usage') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { name: 'NotFoundError', message: 'nope' } }));
      return;
    }
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const items = records.filter(r => r.id > after).sort((a, b) => a.id - b.id).slice(0, limit);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ items, ...(items.length === limit ? { nextCursor: items[items.length - 1].id } : {}) }),
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/sandbox`,
    requests,
    records,
    teams,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

let seq = 0;
/** A ledger record; `vcpus` etc. default to a 2 vCPU / 4 GiB / 10 GiB sandbox. */
export function ledgerRecord(startedAt: string, endedAt: string, overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  const id = overrides.id ?? ++seq;
  return {
    id,
    key: `sb-1:${id}:0`,
    sandboxId: 'sb-1',
    sandboxName: 'box',
    workspace: 'team-a',
    owner: 'user:default/ada',
    template: 'python',
    kind: 'compute',
    vcpus: 2,
    memoryMiB: 4096,
    diskGiB: 10,
    gpus: 0,
    startedAt,
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(startedAt),
    ...overrides,
  };
}
