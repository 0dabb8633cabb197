import { ServiceUnavailableError } from '@backstage/errors';

export interface OllamaModel {
  name: string;
  size?: number;
  modifiedAt?: string;
}

/**
 * Reads the model list of the configured Ollama endpoint (`GET /api/tags`), so templates can offer
 * the models without the browser reaching Ollama directly.
 */
export class OllamaClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  get endpoint(): string {
    return this.baseUrl;
  }

  async listModels(): Promise<OllamaModel[]> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/tags`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ServiceUnavailableError(`Ollama at ${this.baseUrl} did not answer: ${(e as Error).message}`);
    }
    if (!response.ok) {
      throw new ServiceUnavailableError(`Ollama at ${this.baseUrl} answered ${response.status}`);
    }
    const body = (await response.json()) as { models?: Array<{ name?: string; model?: string; size?: number; modified_at?: string }> };
    return (body.models ?? [])
      .map(m => ({
        name: m.name ?? m.model ?? '',
        ...(typeof m.size === 'number' ? { size: m.size } : {}),
        ...(m.modified_at ? { modifiedAt: m.modified_at } : {}),
      }))
      .filter(m => m.name);
  }
}
