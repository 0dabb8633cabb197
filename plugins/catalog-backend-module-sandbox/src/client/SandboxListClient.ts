import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { Sandbox, SandboxList } from '@internal/plugin-sandbox-common';

/** The largest page the sandbox backend serves (`GET /sandboxes?limit=`). */
export const PAGE_SIZE = 200;
/** Upper bound on pages per listing, so a backend that keeps answering cursors cannot loop us forever. */
const MAX_PAGES = 1000;

export interface SandboxListClientOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * Reads every sandbox from the sandbox backend's REST API with this plugin's own service
 * credentials (a service principal sees all sandboxes), following `nextCursor` page by page.
 */
export class SandboxListClient {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;
  readonly #fetch: typeof fetch;

  constructor(options: SandboxListClientOptions) {
    this.#discovery = options.discovery;
    this.#auth = options.auth;
    this.#fetch = options.fetch ?? fetch;
  }

  async listAll(options: { signal?: AbortSignal } = {}): Promise<Sandbox[]> {
    const baseUrl = await this.#discovery.getBaseUrl('sandbox');
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: await this.#auth.getOwnServiceCredentials(),
      targetPluginId: 'sandbox',
    });
    const sandboxes: Sandbox[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) {
        params.set('cursor', cursor);
      }
      const response = await this.#fetch(`${baseUrl}/sandboxes?${params}`, {
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
        },
        signal: options.signal,
      });
      if (!response.ok) {
        throw await ResponseError.fromResponse(response);
      }
      const body = (await response.json()) as SandboxList;
      sandboxes.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) {
        return sandboxes;
      }
      if (seenCursors.has(cursor)) {
        throw new Error(`Sandbox listing repeated cursor '${cursor}'`);
      }
      seenCursors.add(cursor);
    }
    throw new Error(`Sandbox listing exceeded ${MAX_PAGES} pages`);
  }
}
