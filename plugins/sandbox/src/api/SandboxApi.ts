import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  CreateSandboxRequest,
  ExecRequest,
  ExecResult,
  ListSandboxesQuery,
  Sandbox,
  SandboxList,
  SandboxWithHistory,
} from '@internal/plugin-sandbox-common';

/** A model the portal's Ollama instance serves. */
export interface OllamaModel {
  name: string;
  /** Size on disk in bytes, when Ollama reports it. */
  size?: number;
}

/** Options of {@link SandboxApi.getLogs}. */
export interface GetSandboxLogsOptions {
  /** Number of lines from the end (the backend defaults to 200). */
  tail?: number;
}

/**
 * Client of the sandbox backend (`/api/sandbox`). Every method rejects with a
 * `ResponseError` from `@backstage/errors` when the backend answers with an error.
 */
export interface SandboxApi {
  createSandbox(request: CreateSandboxRequest): Promise<Sandbox>;
  listSandboxes(query?: ListSandboxesQuery): Promise<SandboxList>;
  getSandbox(id: string): Promise<SandboxWithHistory>;
  startSandbox(id: string): Promise<Sandbox>;
  stopSandbox(id: string): Promise<Sandbox>;
  /** Asks for deletion; the sandbox then goes `deleting` -> `deleted`. */
  deleteSandbox(id: string): Promise<Sandbox>;
  getLogs(id: string, options?: GetSandboxLogsOptions): Promise<string>;
  exec(id: string, request: ExecRequest): Promise<ExecResult>;
  listOllamaModels(): Promise<OllamaModel[]>;
}

export const sandboxApiRef = createApiRef<SandboxApi>().with({
  id: 'plugin.sandbox.client',
  pluginId: 'sandbox',
});
