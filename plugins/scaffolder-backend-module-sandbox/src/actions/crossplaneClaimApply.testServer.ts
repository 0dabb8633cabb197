import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** A minimal Kubernetes API stand-in for the action's tests: answers server-side applies. */
export class FakeApplyServer {
  readonly requests: Array<{
    method: string;
    path: string;
    query: URLSearchParams;
    contentType?: string;
    body: any;
  }> = [];
  private failures: Array<{ status: number; message: string }> = [];
  private server!: http.Server;
  baseUrl = '';

  static async start(): Promise<FakeApplyServer> {
    const fake = new FakeApplyServer();
    fake.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const body = raw ? JSON.parse(raw) : undefined;
        fake.requests.push({
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          contentType: req.headers['content-type'],
          body,
        });
        const failure = fake.failures.shift();
        res.writeHead(failure?.status ?? 200, {
          'content-type': 'application/json',
        });
        res.end(
          JSON.stringify(
            failure
              ? {
                  kind: 'Status',
                  status: 'Failure',
                  message: failure.message,
                  code: failure.status,
                }
              : body,
          ),
        );
      });
    });
    await new Promise<void>(r => fake.server.listen(0, '127.0.0.1', r));
    fake.baseUrl = `http://127.0.0.1:${
      (fake.server.address() as AddressInfo).port
    }`;
    return fake;
  }

  failNext(status: number, message: string) {
    this.failures.push({ status, message });
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.baseUrl, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
      currentContext: 'fake',
    });
    return kc;
  }

  async stop() {
    await new Promise(r => this.server.close(r));
  }
}
