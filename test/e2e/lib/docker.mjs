// Minimal Docker Engine API access for assertions (the test reads back what the engine holds).
import http from 'node:http';
import { existsSync } from 'node:fs';

export function dockerSocket() {
  const socket =
    process.env.PORTAL_DOCKER_SOCKET ??
    (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : undefined);
  if (!socket || !existsSync(socket)) {
    throw new Error(
      'Docker engine not reachable: run `source scripts/env.sh && source scripts/services/docker.sh && docker_start` (scripts/test.sh does this)',
    );
  }
  return socket;
}

export function engine(method, path, body) {
  const socketPath = dockerSocket();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method, path: `/v1.41${path}`, headers: body ? { 'Content-Type': 'application/json' } : {} },
      res => {
        let data = '';
        res.on('data', c => (data += c));
        res.on('end', () => {
          let json;
          try {
            json = data ? JSON.parse(data) : undefined;
          } catch {
            json = data;
          }
          resolve({ status: res.statusCode, body: json });
        });
      },
    );
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

/** Containers carrying the portal's managed label. */
export async function managedContainers() {
  const filters = encodeURIComponent(JSON.stringify({ label: ['portal.sandbox/managed=true'] }));
  const res = await engine('GET', `/containers/json?all=1&filters=${filters}`);
  return res.body;
}

export async function volumeNames() {
  const res = await engine('GET', '/volumes');
  return (res.body.Volumes ?? []).map(v => v.Name);
}
