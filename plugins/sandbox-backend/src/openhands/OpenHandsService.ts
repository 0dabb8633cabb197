import { BackstageCredentials, LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { ParsedCreateSandboxRequest, Sandbox, SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { VerifiedApiKey } from '../apikeys';
import { AuditLog } from '../service/AuditLog';
import { Clock } from '../service/types';
import { DatabaseRuntimeStore, RuntimeRecord } from './DatabaseRuntimeStore';
import { commandToArgv, imageAllowed } from './images';
import {
  AGENT_SERVER_PORT,
  InsidePorts,
  OpenHandsRuntime,
  PodStatus,
  RuntimeProcess,
  RuntimeStatus,
  SERVICE_PORTS,
  StartRequest,
} from './types';

/** What the OpenHands API needs of the sandbox service (SandboxService, with H6's pause/resume). */
export interface RuntimeSandboxes {
  create(request: ParsedCreateSandboxRequest, owner: string, options?: { process?: RuntimeProcess }): Promise<Sandbox>;
  getRecord(id: string): Promise<{ id: string; name: string; state: string; reason?: string }>;
  delete(id: string): Promise<unknown>;
  pause?(id: string): Promise<unknown>;
  resume?(id: string): Promise<unknown>;
}

/** A warm runtime configuration, as `GET /api/warm-runtime-configs` lists it. */
export interface RuntimeConfig {
  name: string;
  image: string;
  command: string[] | null;
  environment: Record<string, string>;
  working_dir: string;
}

export interface OpenHandsOptions {
  /** Globs of images `/start` may run (`sandbox.openhands.allowedImages`). */
  allowedImages: string[];
  /** resource_factor -> sandbox size name. */
  sizes: Record<string, string>;
  /** Template the runtimes are recorded under (env and network defaults come from it). */
  template: string;
  /** Give runtimes a network (the agent server calls the LLM from inside). */
  network: boolean;
  /** Registry prefix answered by `GET /registry_prefix` (legacy image builds); unset = 404. */
  registryPrefix?: string;
  configs: RuntimeConfig[];
  /** How long one `/alive` probe may take. */
  aliveTimeoutMs?: number;
}

const SANDBOX_STATES_PAUSED = ['pausing', 'paused'];
const SANDBOX_STATES_GONE = ['stopping', 'stopped', 'deleting', 'deleted'];

/**
 * The OpenHands runtime API on top of ordinary sandboxes: one sandbox per runtime, created through
 * SandboxService (quotas, metering, audit, pages), labelled `openhands/session=<id>`, mapped to
 * its session in `openhands_runtimes`. `/stop` deletes the sandbox (runtimes are disposable; a
 * stopped session starts again as a new runtime); pause / resume keep it.
 */
export class OpenHandsService {
  /** Runtimes whose agent server answered `/alive` since they last (re)started. */
  private readonly alive = new Set<string>();
  private gatewayBaseUrl = 'http://localhost';

  constructor(
    private readonly deps: {
      store: DatabaseRuntimeStore;
      sandboxes: RuntimeSandboxes;
      inside?: InsidePorts;
      audit: AuditLog;
      clock: Clock;
      logger: LoggerService;
      options: OpenHandsOptions;
    },
  ) {}

  /** Where the gateway listens, as clients reach it (set once it listens). */
  setGatewayBaseUrl(url: string) {
    this.gatewayBaseUrl = url.replace(/\/+$/, '');
  }

  get store() {
    return this.deps.store;
  }

  async start(key: VerifiedApiKey, request: StartRequest): Promise<OpenHandsRuntime> {
    const { options } = this.deps;
    if (!imageAllowed(request.image, options.allowedImages)) {
      throw new InputError(
        `image: '${request.image}' is not allowed here (sandbox.openhands.allowedImages: ${options.allowedImages.join(', ') || 'none'})`,
      );
    }
    const factor = String(request.resource_factor ?? 1);
    const size = options.sizes[factor];
    if (!size || !(size in SANDBOX_SIZES)) {
      throw new InputError(`resource_factor: must be one of ${Object.keys(options.sizes).join(', ')}`);
    }
    let argv: string[] | undefined;
    try {
      argv = commandToArgv(request.command);
    } catch (e) {
      throw new InputError(`command: ${(e as Error).message}`);
    }
    const sessionId = request.session_id ?? `session-${randomBytes(8).toString('hex')}`;
    const [existing] = await this.deps.store.latestOfSessions(key.workspace, [sessionId]);
    if (existing && !existing.stoppedAt) {
      // start is idempotent per session: the live runtime is the answer
      return this.toRuntime(existing);
    }
    const runtimeId = randomBytes(8).toString('hex');
    const sessionApiKey = randomBytes(32).toString('base64url');
    const process: RuntimeProcess | undefined = argv
      ? {
          command: argv,
          ...(request.working_dir ? { workingDir: request.working_dir } : {}),
          ...(request.run_as_user !== undefined ? { uid: request.run_as_user } : {}),
          ...(request.run_as_group !== undefined ? { gid: request.run_as_group } : {}),
        }
      : undefined;
    const sandboxRequest: ParsedCreateSandboxRequest = {
      name: `oh-${runtimeId}`,
      workspace: key.workspace,
      template: options.template,
      image: request.image,
      size,
      env: {
        ...request.environment,
        SESSION_API_KEY: sessionApiKey,
        OH_SESSION_API_KEYS_0: sessionApiKey,
      },
      network: options.network,
      ttlSeconds: null,
      idleTimeoutSeconds: null,
      labels: { 'openhands/session': labelValue(sessionId), 'openhands/runtime': runtimeId },
    };
    const sandbox = await this.deps.audit.track(
      credentialsOf(key),
      { action: 'sandbox.create', targetType: 'sandbox', targetId: sandboxRequest.name, workspace: key.workspace },
      () => this.deps.sandboxes.create(sandboxRequest, key.createdBy, process ? { process } : undefined),
      s => ({ targetId: s.id, message: `OpenHands runtime ${runtimeId} for session ${sessionId} (${request.image})` }),
    );
    const record: RuntimeRecord = {
      runtimeId,
      sessionId,
      workspace: key.workspace,
      sandboxId: sandbox.id,
      apiKeyId: key.id,
      image: request.image,
      sessionApiKey,
      createdAt: this.deps.clock.now(),
    };
    try {
      await this.deps.store.insert(record);
    } catch (e) {
      // a concurrent /start of the same session won: do not leave our sandbox behind
      await this.deps.sandboxes.delete(sandbox.id).catch(() => undefined);
      const [winner] = await this.deps.store.latestOfSessions(key.workspace, [sessionId]);
      if (winner && !winner.stoppedAt) return this.toRuntime(winner);
      throw e;
    }
    return this.toRuntime(record);
  }

  async session(key: VerifiedApiKey, sessionId: string): Promise<OpenHandsRuntime> {
    const [record] = await this.deps.store.latestOfSessions(key.workspace, [sessionId]);
    if (!record) throw new NotFoundError(`No runtime for session '${sessionId}'`);
    return this.toRuntime(record);
  }

  async sessions(key: VerifiedApiKey, sessionIds: string[]): Promise<OpenHandsRuntime[]> {
    const records = await this.deps.store.latestOfSessions(key.workspace, sessionIds);
    return Promise.all(records.map(r => this.toRuntime(r)));
  }

  /** Live runtimes of the key's workspace (stopped ones are not listed). */
  async list(key: VerifiedApiKey): Promise<OpenHandsRuntime[]> {
    const records = await this.deps.store.live(key.workspace);
    return Promise.all(records.map(r => this.toRuntime(r)));
  }

  async runtime(key: VerifiedApiKey, runtimeId: string): Promise<OpenHandsRuntime> {
    return this.toRuntime(await this.require(key, runtimeId));
  }

  async pause(key: VerifiedApiKey, runtimeId: string): Promise<OpenHandsRuntime> {
    const record = await this.requireLive(key, runtimeId);
    const pause = this.deps.sandboxes.pause?.bind(this.deps.sandboxes);
    if (!pause) throw new InputError('runtime_id: this portal cannot pause sandboxes');
    await this.track(key, 'sandbox.pause', record, () => pause(record.sandboxId));
    this.alive.delete(record.runtimeId);
    return this.toRuntime(record);
  }

  async resume(key: VerifiedApiKey, runtimeId: string): Promise<OpenHandsRuntime> {
    const record = await this.requireLive(key, runtimeId);
    const resume = this.deps.sandboxes.resume?.bind(this.deps.sandboxes);
    if (!resume) throw new InputError('runtime_id: this portal cannot resume sandboxes');
    this.alive.delete(record.runtimeId);
    await this.track(key, 'sandbox.resume', record, () => resume(record.sandboxId));
    return this.toRuntime(record);
  }

  /** Ends the runtime: its sandbox is deleted and the session may start a new runtime. */
  async stop(key: VerifiedApiKey, runtimeId: string): Promise<OpenHandsRuntime> {
    const record = await this.requireLive(key, runtimeId);
    await this.track(key, 'sandbox.delete', record, async () => {
      const sandbox = await this.deps.sandboxes.getRecord(record.sandboxId).catch(() => undefined);
      if (sandbox && !['deleting', 'deleted'].includes(sandbox.state)) {
        await this.deps.sandboxes.delete(record.sandboxId);
      }
    });
    const at = this.deps.clock.now();
    await this.deps.store.markStopped(record.runtimeId, at);
    this.alive.delete(record.runtimeId);
    return this.toRuntime({ ...record, stoppedAt: at });
  }

  imageExists(image: string): boolean {
    return imageAllowed(image, this.deps.options.allowedImages);
  }

  registryPrefix(): string {
    if (!this.deps.options.registryPrefix) {
      throw new NotFoundError('No registry for runtime image builds is configured (sandbox.openhands.registryPrefix)');
    }
    return this.deps.options.registryPrefix;
  }

  warmConfigs(): RuntimeConfig[] {
    return this.deps.options.configs;
  }

  /** The gateway's view: the runtime behind a URL and whether it can take traffic now. */
  async route(runtimeId: string): Promise<{ sandboxId: string; state: 'ready' | 'paused' | 'unavailable' } | undefined> {
    const record = await this.deps.store.getById(runtimeId);
    if (!record || record.stoppedAt) return undefined;
    const sandbox = await this.deps.sandboxes.getRecord(record.sandboxId).catch(() => undefined);
    if (!sandbox || SANDBOX_STATES_GONE.includes(sandbox.state)) return undefined;
    if (SANDBOX_STATES_PAUSED.includes(sandbox.state)) return { sandboxId: record.sandboxId, state: 'paused' };
    return { sandboxId: record.sandboxId, state: sandbox.state === 'running' ? 'ready' : 'unavailable' };
  }

  async toRuntime(record: RuntimeRecord): Promise<OpenHandsRuntime> {
    const { status, podStatus, detail } = await this.statusOf(record);
    const url = `${this.gatewayBaseUrl}/${record.runtimeId}`;
    return {
      runtime_id: record.runtimeId,
      session_id: record.sessionId,
      url,
      session_api_key: record.sessionApiKey,
      status,
      pod_status: podStatus,
      status_detail: detail,
      image: record.image,
      sandbox_id: record.sandboxId,
      workspace: record.workspace,
      created_at: record.createdAt.toISOString(),
      restart_count: 0,
      restart_reasons: [],
      work_hosts: { [`${url}/work-1`]: SERVICE_PORTS['work-1'], [`${url}/work-2`]: SERVICE_PORTS['work-2'] },
    };
  }

  private async statusOf(record: RuntimeRecord): Promise<{ status: RuntimeStatus; podStatus: PodStatus; detail: string | null }> {
    if (record.stoppedAt) return { status: 'stopped', podStatus: 'not found', detail: 'stopped' };
    const sandbox = await this.deps.sandboxes.getRecord(record.sandboxId).catch(() => undefined);
    if (!sandbox) return { status: 'stopped', podStatus: 'not found', detail: 'the sandbox is gone' };
    const state = sandbox.state;
    if (state === 'running') {
      if (await this.probeAlive(record)) return { status: 'running', podStatus: 'ready', detail: null };
      return { status: 'starting', podStatus: 'running', detail: 'waiting for the agent server to answer /alive' };
    }
    if (SANDBOX_STATES_PAUSED.includes(state)) return { status: 'paused', podStatus: 'not found', detail: `sandbox ${state}` };
    if (SANDBOX_STATES_GONE.includes(state)) return { status: 'stopped', podStatus: 'not found', detail: `sandbox ${state}` };
    if (state === 'failed') return { status: 'error', podStatus: 'failed', detail: sandbox.reason ?? 'sandbox failed' };
    return { status: 'starting', podStatus: 'pending', detail: `sandbox ${state}` };
  }

  /** GET /alive on the agent server, through the sandbox's port stream (remembered once it answered). */
  private async probeAlive(record: RuntimeRecord): Promise<boolean> {
    if (this.alive.has(record.runtimeId)) return true;
    const inside = this.deps.inside;
    if (!inside) return false;
    const timeoutMs = this.deps.options.aliveTimeoutMs ?? 2000;
    try {
      const stream = await inside.openPortStream(record.sandboxId, AGENT_SERVER_PORT);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            method: 'GET',
            path: '/alive',
            headers: { host: 'localhost', connection: 'close' },
            createConnection: () => stream as any,
            timeout: timeoutMs,
          },
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      }).finally(() => stream.destroy());
      if (status === 200) {
        this.alive.add(record.runtimeId);
        return true;
      }
    } catch (e) {
      this.deps.logger.debug(`openhands runtime ${record.runtimeId}: /alive not answering yet: ${(e as Error).message}`);
    }
    return false;
  }

  private async require(key: VerifiedApiKey, runtimeId: string): Promise<RuntimeRecord> {
    // another workspace's runtime is as unknown as a missing one
    const record = await this.deps.store.get(key.workspace, runtimeId);
    if (!record) throw new NotFoundError(`No runtime '${runtimeId}'`);
    return record;
  }

  private async requireLive(key: VerifiedApiKey, runtimeId: string): Promise<RuntimeRecord> {
    const record = await this.require(key, runtimeId);
    if (record.stoppedAt) throw new NotFoundError(`Runtime '${runtimeId}' was stopped`);
    return record;
  }

  private track<T>(key: VerifiedApiKey, action: string, record: RuntimeRecord, fn: () => Promise<T>): Promise<T> {
    return this.deps.audit.track(
      credentialsOf(key),
      { action, targetType: 'sandbox', targetId: record.sandboxId, workspace: record.workspace },
      fn,
      () => ({ message: `OpenHands runtime ${record.runtimeId} (session ${record.sessionId})` }),
    );
  }
}

/** Kubernetes-safe label value for a session id (a hash when the id is not one). */
export function labelValue(sessionId: string): string {
  return /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(sessionId)
    ? sessionId
    : `h-${createHash('sha256').update(sessionId).digest('hex').slice(0, 40)}`;
}

/** The audit log's actor for a request made with an API key: `api-key:<prefix> (<creator>)`. */
export function credentialsOf(key: VerifiedApiKey): BackstageCredentials {
  return {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'api-key', subject: `${key.prefix} (${key.createdBy})` },
  } as unknown as BackstageCredentials;
}
