import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';

/** Ports inside an OpenHands runtime, and the path segments the gateway maps to them. */
export const AGENT_SERVER_PORT = 60000;
export const SERVICE_PORTS: Record<string, number> = { vscode: 60001, 'work-1': 12000, 'work-2': 12001 };

/**
 * Statuses of the runtime API as OpenHands' clients read them: `status` (sandbox-server maps
 * running/paused/stopped/starting/error) and the legacy `pod_status` (ready = the server inside
 * answers; pending / running = not yet; failed / unknown / crashloopbackoff = give up;
 * not found = no pod, e.g. paused or stopped).
 */
export type RuntimeStatus = 'starting' | 'running' | 'paused' | 'stopped' | 'error';
export type PodStatus = 'pending' | 'running' | 'ready' | 'not found' | 'failed' | 'unknown';

/** The runtime object every endpoint answers with. */
export interface OpenHandsRuntime {
  runtime_id: string;
  session_id: string;
  /** Path mode: `{gateway}/{runtime_id}`; the agent server (port 60000) answers there. */
  url: string;
  session_api_key: string;
  status: RuntimeStatus;
  pod_status: PodStatus;
  status_detail: string | null;
  image: string;
  /** The portal sandbox behind the runtime (its page, quotas, metering). */
  sandbox_id: string;
  workspace: string;
  created_at: string;
  restart_count: number;
  restart_reasons: string[];
  /** Legacy clients: the URLs of the two worker ports, with the port each one reaches. */
  work_hosts: Record<string, number>;
}

const env = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'invalid environment variable name' }), z.string().max(65536));

/**
 * `POST /start`, as OpenHands' clients send it. Unknown fields (runtime_class, fs_group,
 * image_pull_policy, ...) are accepted and ignored.
 */
export const startRequestSchema = z.object({
  image: z.string().min(1).max(255),
  command: z.union([z.array(z.string()), z.string(), z.null()]).optional(),
  working_dir: z.string().startsWith('/').max(1024).optional(),
  environment: env.nullish().transform(e => e ?? {}),
  session_id: z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' }).optional(),
  resource_factor: z.number().optional(),
  run_as_user: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  run_as_group: z.number().int().min(0).max(2 ** 31 - 1).optional(),
});
export type StartRequest = z.output<typeof startRequestSchema>;

export const runtimeRefSchema = z.object({ runtime_id: z.string().min(1).max(64) });

/** The sandbox's main process (H5's `SandboxSpec.process`). */
export interface RuntimeProcess {
  command: string[];
  workingDir?: string;
  uid?: number;
  gid?: number;
}

/**
 * What the OpenHands API needs from the inside-the-sandbox service (InsideService): a raw byte
 * stream to a port, and HTTP / WebSocket pass-through. Each refuses non-running sandboxes.
 */
export interface InsidePorts {
  openPortStream(sandboxId: string, port: number): Promise<Duplex>;
  proxyHttp(req: IncomingMessage, res: ServerResponse, target: PortTarget): Promise<void>;
  proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortTarget): Promise<void>;
}

/** A port inside a sandbox, the path to ask there and the public prefix it is served under. */
export interface PortTarget {
  sandboxId: string;
  port: number;
  path: string;
  prefix?: string;
}
