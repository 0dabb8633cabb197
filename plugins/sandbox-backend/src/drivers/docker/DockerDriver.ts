import { execFile, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import type { Config } from '@backstage/config';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { ExecResult, SandboxSize } from '@internal/plugin-sandbox-common';
import {
  AgentEndpoint,
  DriverError,
  DriverExecRequest,
  DriverUnavailableError,
  DriverLogger,
  RuntimeStatus,
  SANDBOX_LABELS,
  SandboxDriver,
  SandboxInstance,
  SandboxSpec,
} from '../types';
import {
  ContainerInspect,
  DOCKER_API_VERSION,
  DockerEngineClient,
  DockerEngineError,
  isConflict,
} from './DockerEngineClient';

/** Prefix of every runtime resource this driver creates. */
export const CONTAINER_PREFIX = 'portal-sbx-';
/** Where the workspace volume is mounted (and the repo is cloned to). */
export const WORKSPACE_PATH = '/workspace';
/** The sandbox user of the portal images (k8s/images/base). */
export const SANDBOX_USER = '1000:1000';
const SANDBOX_UID = 1000;

/** The name of the workspace volume of a sandbox container. */
export function volumeNameFor(containerName: string): string {
  return `${containerName}-workspace`;
}

/** Valid Docker object names; sandbox ids become part of them. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NEVER = '0001-01-01T00:00:00Z';
const DEFAULT_GIT_PROTOCOLS = ['https', 'http', 'ssh', 'git'];

export interface DockerDriverOptions {
  /** The engine's unix socket, e.g. `/var/run/docker.sock`. */
  socketPath: string;
  /** Network for sandboxes whose spec asks for one (default `bridge`). Others get `none`. */
  networkForSandboxesWithNetwork?: string;
  /** Bound on the host-side `git clone` (default 120 s). */
  gitTimeoutMs?: number;
  /**
   * URL schemes `git clone` may use (GIT_ALLOW_PROTOCOL), default https, http, ssh, git. `file` is
   * off by default: it would let a sandbox owner copy any repository of the portal host.
   */
  gitAllowedProtocols?: string[];
  /** Bound on `exec` when the request names no timeout (default 300 s). */
  defaultExecTimeoutSeconds?: number;
  /** Cap on the collected output of one exec, per stream (default 8 MiB). */
  maxExecOutputBytes?: number;
  /**
   * A sandbox container that was created but never started is taken for the leftover of a crashed
   * create() (and re-created) once it is this old; younger, another process is still creating it
   * (default 10 minutes).
   */
  staleCreateAfterMs?: number;
  logger?: { info(message: string): void; warn(message: string): void };
  /**
   * Run the portal agent (agent/portal-agent.js) as each new sandbox's entrypoint, reached through
   * a unix socket in `<runDir>/<container>/`, bind-mounted at /run/portal. Off when not given.
   */
  agent?: AgentMountOptions;
}

export interface AgentMountOptions {
  /** Host directory holding one sub-directory (with the agent socket) per sandbox container. */
  runDir: string;
  /** The Node binary mounted read-only into sandboxes (default: the backend's own). */
  nodePath?: string;
  /** The directory holding portal-agent.js (default: this package's `agent/`). */
  agentDir?: string;
}

/** Label naming how the agent of a container is reached (`unix`). */
export const AGENT_LABEL = 'portal.sandbox/agent';
/** Paths inside the sandbox. */
const AGENT_RUN_PATH = '/run/portal';
const AGENT_NODE_PATH = '/opt/portal/node';
const AGENT_DIR_PATH = '/opt/portal/agent';
const DEFAULT_PROCESS = ['sleep', 'infinity'];
/** How long pause/resume wait for inspect to read the new state (the engine may lag its answer). */
const PAUSE_DEADLINE_MS = 15_000;
const pauseFor = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The default agent settings: the backend's Node and this package's agent directory. */
export function defaultAgentMount(runDir: string): Required<AgentMountOptions> {
  return {
    runDir,
    nodePath: realpathSync(process.execPath),
    agentDir: resolvePackagePath('@internal/plugin-sandbox-backend', 'agent'),
  };
}

/**
 * Runs each sandbox as a container on a Docker engine reached through its unix socket:
 *
 * - container `portal-sbx-<id>` (this name is the externalId), from `spec.image`, as user 1000:1000,
 *   under the engine's init (docker-init/tini) running `sleep infinity`;
 * - named volume `portal-sbx-<id>-workspace` at `/workspace` (kept by stop, removed by remove);
 * - cgroup limits from the size (NanoCpus, Memory = MemorySwap, PidsLimit), no capabilities,
 *   no-new-privileges, network `none` unless the spec asks for one;
 * - the repo is cloned on the host (the sandbox has no network) and uploaded through the archive
 *   API as files owned by 1000:1000, before the container first starts.
 */
export class DockerDriver implements SandboxDriver {
  readonly name = 'docker';
  readonly client: DockerEngineClient;
  private readonly network: string;
  private readonly gitTimeoutMs: number;
  private readonly gitProtocols: string[];
  private readonly defaultExecTimeoutSeconds: number;
  private readonly maxExecOutputBytes: number;
  private readonly logger?: DockerDriverOptions['logger'];
  private readonly staleCreateAfterMs: number;
  private readonly creating = new Map<string, Promise<SandboxInstance>>();
  private readonly agent?: Required<AgentMountOptions>;
  private readonly agentEndpoints = new Map<string, AgentEndpoint | undefined>();

  constructor(options: DockerDriverOptions) {
    this.client = new DockerEngineClient({ socketPath: options.socketPath });
    this.network = options.networkForSandboxesWithNetwork ?? 'bridge';
    this.gitTimeoutMs = options.gitTimeoutMs ?? 120_000;
    this.gitProtocols = options.gitAllowedProtocols ?? DEFAULT_GIT_PROTOCOLS;
    this.defaultExecTimeoutSeconds = options.defaultExecTimeoutSeconds ?? 300;
    this.maxExecOutputBytes = options.maxExecOutputBytes ?? 8 * 1024 * 1024;
    this.logger = options.logger;
    this.staleCreateAfterMs = options.staleCreateAfterMs ?? 10 * 60_000;
    if (options.agent) {
      this.agent = { ...defaultAgentMount(options.agent.runDir), ...stripUndefined(options.agent) };
    }
  }

  /**
   * Reads `sandbox.docker.socketPath` (else `DOCKER_HOST` when it is `unix://...`, else
   * `/var/run/docker.sock`), `sandbox.docker.network` and `sandbox.docker.gitAllowedProtocols`.
   */
  static fromConfig(
    config: Config,
    deps: { logger?: DockerDriverOptions['logger'] } = {},
  ): DockerDriver {
    const dockerHost = process.env.DOCKER_HOST;
    const socketPath =
      config.getOptionalString('sandbox.docker.socketPath') ??
      (dockerHost?.startsWith('unix://')
        ? dockerHost.slice('unix://'.length)
        : undefined) ??
      '/var/run/docker.sock';
    return new DockerDriver({
      socketPath,
      networkForSandboxesWithNetwork: config.getOptionalString(
        'sandbox.docker.network',
      ),
      gitAllowedProtocols: config.getOptionalStringArray(
        'sandbox.docker.gitAllowedProtocols',
      ),
      logger: deps.logger,
      agent:
        config.getOptionalBoolean('sandbox.docker.agent.enabled') === false
          ? undefined
          : {
              runDir:
                config.getOptionalString('sandbox.docker.agent.runDir') ??
                path.join(os.tmpdir(), 'portal-sandbox-run'),
            },
    });
  }

  get socketPath(): string {
    return this.client.socketPath;
  }

  async healthCheck(signal?: AbortSignal): Promise<void> {
    // The client maps connection failures to DriverUnavailableError with how to fix it.
    await this.client.ping(signal);
  }

  async create(
    spec: SandboxSpec,
    log?: DriverLogger,
  ): Promise<SandboxInstance> {
    // Concurrent creates of one id in this process share one attempt.
    const pending = this.creating.get(spec.id);
    if (pending) return pending;
    const attempt = this.createOnce(spec, log).finally(() =>
      this.creating.delete(spec.id),
    );
    this.creating.set(spec.id, attempt);
    return attempt;
  }

  private async createOnce(
    spec: SandboxSpec,
    log?: DriverLogger,
  ): Promise<SandboxInstance> {
    if (!NAME_PATTERN.test(spec.id)) {
      throw new DriverError(
        `sandbox id '${spec.id}' cannot name a container (letters, digits, _ . - only)`,
      );
    }
    const name = `${CONTAINER_PREFIX}${spec.id}`;
    const volume = volumeNameFor(name);

    // independent engine reads, in parallel: they are a tenth of a cold create on a busy engine
    const [existing, image, existingVolume] = await Promise.all([
      this.client.inspectContainer(name),
      this.client.inspectImage(spec.image),
      this.client.inspectVolume(volume),
    ]);
    if (existing) {
      const adopted = await this.adoptExisting(existing, log);
      if (adopted) return adopted;
    }

    // Checks that cost nothing to undo come first.
    if (!image) {
      throw new DriverError(
        `image ${spec.image} not found: run scripts/build-images.sh`,
      );
    }
    const networkMode = spec.network ? this.network : 'none';
    if (spec.network && !['host', 'none'].includes(networkMode)) {
      if (!(await this.client.inspectNetwork(networkMode))) {
        throw new DriverError(
          `network '${networkMode}' does not exist on the Docker engine: create it or set sandbox.docker.network`,
        );
      }
    }

    const labels = this.labelsOf(spec);
    let volumeCreated = false;
    let containerCreated = false;
    let cloneDir: string | undefined;
    try {
      // A workspace volume that survived its container (engine lost the container, reconciler
      // re-creates) keeps its content: no clone on top of the user's work.
      const volumeExisted = existing
        ? Boolean(await this.client.inspectVolume(volume))
        : Boolean(existingVolume);
      if (spec.repo && !volumeExisted) {
        log?.info(
          `cloning ${redact(spec.repo.url)}${
            spec.repo.ref ? ` (${spec.repo.ref})` : ''
          }`,
        );
        cloneDir = await this.cloneOnHost(spec.repo.url, spec.repo.ref);
      } else if (spec.repo) {
        log?.info(
          `workspace volume ${volume} exists: keeping its content, not cloning`,
        );
      }
      if (!volumeExisted) {
        await this.client.createVolume(volume, labels);
        volumeCreated = true;
      }

      if (this.agent) await this.prepareRunDir(name, spec);
      log?.info(`creating container ${name} from ${spec.image}`);
      try {
        await this.client.createContainer(
          name,
          this.containerBody(spec, labels, volume, networkMode),
        );
      } catch (error) {
        if (isConflict(error)) {
          // Another process created it in the meantime: theirs wins, ours was never made.
          volumeCreated = false;
          const raced = await this.client.inspectContainer(name);
          if (raced?.State.Running) return this.toInstance(raced);
          if (raced) throw this.beingCreated(name, raced);
        }
        throw error;
      }
      containerCreated = true;

      if (cloneDir) {
        log?.info(`copying the repository into ${WORKSPACE_PATH}`);
        await this.uploadTree(name, cloneDir);
      }

      log?.info(`starting ${name}`);
      await this.client.startContainer(name);
      return this.toInstance(await this.waitUntilReady(name, spec.id));
    } catch (error) {
      const cleanupFailed = (what: string) => (e: Error) =>
        this.logger?.warn(
          `sandbox ${spec.id}: could not remove ${what} after a failed create: ${e.message}`,
        );
      if (containerCreated)
        await this.client
          .removeContainer(name)
          .catch(cleanupFailed(`container ${name}`));
      if (volumeCreated)
        await this.removeVolumeWithRetry(volume).catch(
          cleanupFailed(`volume ${volume}`),
        );
      if (containerCreated && this.agent)
        await rm(path.join(this.agent.runDir, name), { recursive: true, force: true }).catch(
          cleanupFailed(`agent directory of ${name}`),
        );
      throw this.asDriverError(error, `creating sandbox ${spec.id} failed`);
    } finally {
      if (cloneDir)
        await rm(path.dirname(cloneDir), {
          recursive: true,
          force: true,
        }).catch(() => undefined);
    }
  }

  async start(externalId: string, options?: { size?: SandboxSize }): Promise<SandboxInstance> {
    await this.managed(externalId);
    try {
      if (options?.size) {
        const { cpus, memoryMiB, pids } = options.size;
        await this.client.call('POST', `/containers/${encodeURIComponent(externalId)}/update`, {
          body: {
            NanoCpus: Math.round(cpus * 1e9),
            Memory: memoryMiB * 1024 * 1024,
            MemorySwap: memoryMiB * 1024 * 1024,
            PidsLimit: pids,
          },
          what: `updating the limits of ${externalId}`,
        });
      }
      await this.client.startContainer(externalId);
    } catch (error) {
      throw this.asDriverError(error, `starting ${externalId} failed`);
    }
    const inspected = await this.client.inspectContainer(externalId);
    if (!inspected)
      throw new DriverError(
        `sandbox container ${externalId} vanished while starting`,
      );
    return this.toInstance(inspected);
  }

  async stop(
    externalId: string,
    options?: { timeoutSeconds?: number },
  ): Promise<void> {
    const container = await this.managed(externalId);
    if (!container.State.Running && container.State.Status !== 'paused') return;
    try {
      await this.client.stopContainer(
        externalId,
        options?.timeoutSeconds ?? 10,
      );
    } catch (error) {
      throw this.asDriverError(error, `stopping ${externalId} failed`);
    }
  }

  /** Freezes the container (cgroup freezer): processes and memory stay, no CPU is used. */
  async pause(externalId: string): Promise<void> {
    const container = await this.managed(externalId);
    if (container.State.Status === 'paused') return;
    if (container.State.Status !== 'running') {
      throw new DriverError(
        `sandbox ${externalId} cannot be paused: it is ${container.State.Status}, not running`,
      );
    }
    try {
      await this.client.call('POST', `/containers/${encodeURIComponent(externalId)}/pause`, {
        what: `pause container ${externalId}`,
      });
    } catch (error) {
      throw this.asDriverError(error, `pausing ${externalId} failed`);
    }
    await this.waitForEngineStatus(externalId, 'paused');
  }

  /**
   * Thaws a paused container. The engine may answer `unpause` before inspect reads `running`
   * (seen in CI), so this polls inspect, backing off, until it does; if it still reads `paused`
   * after a few seconds the unpause is issued once more.
   */
  async resume(externalId: string): Promise<SandboxInstance> {
    const container = await this.managed(externalId);
    if (container.State.Status === 'running') return this.toInstance(container);
    if (container.State.Status !== 'paused') {
      throw new DriverError(
        `sandbox ${externalId} cannot be resumed: it is ${container.State.Status}, not paused`,
      );
    }
    await this.unpause(externalId);
    return this.toInstance(
      await this.waitForEngineStatus(externalId, 'running', {
        retryAfterMs: 3_000,
        retry: () => this.unpause(externalId, true),
      }),
    );
  }

  private async unpause(externalId: string, again = false): Promise<void> {
    try {
      await this.client.call('POST', `/containers/${encodeURIComponent(externalId)}/unpause`, {
        what: `unpause container ${externalId}`,
      });
    } catch (error) {
      // the second unpause may find the container already thawed: the status poll decides
      if (!again) throw this.asDriverError(error, `resuming ${externalId} failed`);
    }
  }

  /** Polls inspect (10 ms, doubling to 500 ms) until State.Status is `want`; 15 s deadline. */
  private async waitForEngineStatus(
    externalId: string,
    want: 'paused' | 'running',
    options: { deadlineMs?: number; retryAfterMs?: number; retry?: () => Promise<void> } = {},
  ): Promise<ContainerInspect> {
    const started = Date.now();
    const deadline = started + (options.deadlineMs ?? PAUSE_DEADLINE_MS);
    let delay = 10;
    let retried = false;
    for (;;) {
      const container = await this.client.inspectContainer(externalId);
      if (!container) {
        throw new DriverError(`sandbox container ${externalId} vanished while ${want === 'paused' ? 'pausing' : 'resuming'}`);
      }
      if (container.State.Status === want) return container;
      if (container.State.Status !== 'paused' && container.State.Status !== 'running') {
        throw new DriverError(`sandbox ${externalId} is ${container.State.Status} (wanted ${want})`);
      }
      if (!retried && options.retry && options.retryAfterMs !== undefined && Date.now() - started >= options.retryAfterMs) {
        retried = true;
        await options.retry();
      }
      if (Date.now() >= deadline) {
        throw new DriverError(
          `sandbox ${externalId} still reads ${container.State.Status} ${Math.round((Date.now() - started) / 1000)} s after ${want === 'paused' ? 'pause' : 'unpause'}`,
        );
      }
      await pauseFor(delay);
      delay = Math.min(delay * 2, 500);
    }
  }

  async remove(externalId: string): Promise<void> {
    const container = await this.client.inspectContainer(externalId);
    let volume: string | undefined;
    if (container) {
      this.assertManaged(container, externalId);
      volume = container.Mounts.find(
        m => m.Type === 'volume' && m.Destination === WORKSPACE_PATH,
      )?.Name;
      await this.client.removeContainer(externalId);
    }
    this.agentEndpoints.delete(externalId);
    if (this.agent && NAME_PATTERN.test(externalId)) {
      await rm(path.join(this.agent.runDir, externalId), { recursive: true, force: true });
    }
    if (!volume && externalId.startsWith(CONTAINER_PREFIX))
      volume = volumeNameFor(externalId);
    if (volume) {
      const info = await this.client.inspectVolume(volume);
      // Only volumes this portal made (a foreign volume mounted at /workspace stays).
      if (info && info.Labels?.[SANDBOX_LABELS.managed] === 'true')
        await this.removeVolumeWithRetry(volume);
    }
  }

  async inspect(externalId: string): Promise<SandboxInstance | undefined> {
    const container = await this.client.inspectContainer(externalId);
    return container ? this.toInstance(container) : undefined;
  }

  async list(): Promise<SandboxInstance[]> {
    const summaries = await this.client.listContainers({
      label: [`${SANDBOX_LABELS.managed}=true`],
    });
    const instances: SandboxInstance[] = [];
    // Inspect a few at a time: the summary lacks limits, OOM state and start time.
    for (let i = 0; i < summaries.length; i += 8) {
      const batch = await Promise.all(
        summaries.slice(i, i + 8).map(s => this.client.inspectContainer(s.Id)),
      );
      for (const container of batch)
        if (container) instances.push(this.toInstance(container));
    }
    return instances;
  }

  async exec(
    externalId: string,
    request: DriverExecRequest,
  ): Promise<ExecResult> {
    if (!request.command?.length) throw new DriverError('exec needs a command');
    const container = await this.managed(externalId);
    if (!container.State.Running) {
      throw new DriverError(
        `sandbox ${externalId} is not running (${
          this.statusOf(container).status
        })`,
      );
    }
    const timeoutSeconds = Math.max(
      1,
      Math.ceil(request.timeoutSeconds ?? this.defaultExecTimeoutSeconds),
    );
    const started = Date.now();
    try {
      const outcome = await this.client.exec(
        externalId,
        {
          // KILL: the command cannot trap it; the exit code is then 137.
          Cmd: [
            'timeout',
            '-s',
            'KILL',
            String(timeoutSeconds),
            ...request.command,
          ],
          Env: request.env
            ? Object.entries(request.env).map(([k, v]) => `${k}=${v}`)
            : undefined,
          WorkingDir: request.cwd,
          User: request.user,
        },
        // The client waits a little longer than the in-container timeout before giving up.
        {
          timeoutMs: timeoutSeconds * 1000 + 15_000,
          maxOutputBytes: this.maxExecOutputBytes,
        },
      );
      const durationMs = Date.now() - started;
      const timedOut =
        outcome.clientTimedOut ||
        ((outcome.exitCode === 137 || outcome.exitCode === 124) &&
          durationMs >= timeoutSeconds * 1000 - 50);
      return {
        exitCode: outcome.exitCode,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        timedOut,
        durationMs,
      };
    } catch (error) {
      throw this.asDriverError(error, `exec in ${externalId} failed`);
    }
  }

  /** The engine's tar of /workspace (entries `./...`, owners kept), streamed as it comes. */
  async exportWorkspace(externalId: string): Promise<Readable> {
    await this.managed(externalId);
    const what = `export of ${WORKSPACE_PATH} of ${externalId}`;
    return new Promise<Readable>((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        method: 'GET',
        path: `/${DOCKER_API_VERSION}/containers/${encodeURIComponent(externalId)}/archive?path=${encodeURIComponent(`${WORKSPACE_PATH}/.`)}`,
        agent: false,
      });
      req.on('error', error => reject(new DriverError(`${what}: ${error.message}`)));
      req.on('response', res => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            reject(new DriverError(`${what}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString().trim()}`)),
          );
          return;
        }
        resolve(res);
      });
      req.end();
    });
  }

  /**
   * Empties /workspace (as the sandbox user) and extracts `archive` into it. A stopped container
   * is started for this (emptying needs a process in it) and stopped again afterwards.
   */
  async importWorkspace(externalId: string, archive: Readable): Promise<void> {
    const container = await this.managed(externalId);
    const wasRunning = container.State.Running;
    try {
      if (!wasRunning) await this.client.startContainer(externalId);
      const cleared = await this.client.exec(
        externalId,
        { Cmd: ['find', WORKSPACE_PATH, '-mindepth', '1', '-delete'], User: SANDBOX_USER },
        { timeoutMs: 5 * 60_000 },
      );
      if (cleared.exitCode !== 0) {
        throw new DriverError(`emptying ${WORKSPACE_PATH} of ${externalId} failed: ${cleared.stderr.trim()}`);
      }
      await this.client.putArchive(externalId, WORKSPACE_PATH, archive, 30 * 60_000);
    } catch (error) {
      archive.destroy();
      throw this.asDriverError(error, `restoring ${WORKSPACE_PATH} of ${externalId} failed`);
    } finally {
      if (!wasRunning) await this.client.stopContainer(externalId, 10).catch(() => undefined);
    }
  }

  /**
   * Clones a repo into /workspace of a running sandbox (a claimed warm pool member): on the host as
   * create does (the sandbox has no network), then streamed in through the archive API.
   */
  async cloneRepo(externalId: string, repo: { url: string; ref?: string }, log?: DriverLogger): Promise<void> {
    await this.managed(externalId);
    log?.info(`cloning ${redact(repo.url)}${repo.ref ? ` (${repo.ref})` : ''}`);
    const dir = await this.cloneOnHost(repo.url, repo.ref);
    try {
      log?.info(`copying the repository into ${WORKSPACE_PATH}`);
      await this.uploadTree(externalId, dir);
    } catch (error) {
      throw this.asDriverError(error, `copying the repository into ${externalId} failed`);
    } finally {
      await rm(path.dirname(dir), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async logs(externalId: string, options?: { tail?: number }): Promise<string> {
    await this.managed(externalId);
    try {
      return (await this.client.logs(externalId, options?.tail)).combined;
    } catch (error) {
      throw this.asDriverError(error, `logs of ${externalId} failed`);
    }
  }

  /**
   * The agent's unix socket of a container created with the agent (label `portal.sandbox/agent`);
   * undefined for containers created without it (they keep using the engine's exec API).
   */
  async agentEndpoint(externalId: string): Promise<AgentEndpoint | undefined> {
    if (!this.agent || !NAME_PATTERN.test(externalId)) return undefined;
    if (!this.agentEndpoints.has(externalId)) {
      const container = await this.client.inspectContainer(externalId);
      if (!container) return undefined;
      const uid = Number((container.Config.User ?? '').split(':')[0]);
      this.agentEndpoints.set(
        externalId,
        container.Config.Labels?.[AGENT_LABEL] === 'unix'
          ? {
              kind: 'unix',
              socketPath: path.join(this.agent.runDir, externalId, 'agent.sock'),
              uid: Number.isInteger(uid) && (container.Config.User ?? '') !== '' ? uid : SANDBOX_UID,
            }
          : undefined,
      );
    }
    return this.agentEndpoints.get(externalId);
  }

  // --- internals ---

  /**
   * `<runDir>/<container>/`, writable by the sandbox user only (the agent creates its socket
   * there); `<runDir>` itself is private to the backend's user.
   */
  private async prepareRunDir(name: string, spec: SandboxSpec): Promise<void> {
    const { runDir } = this.agent!;
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    const dir = path.join(runDir, name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await rm(path.join(dir, 'ready'), { force: true });
    const uid = spec.process?.uid ?? SANDBOX_UID;
    const gid = spec.process?.gid ?? (spec.process?.uid !== undefined ? uid : SANDBOX_UID);
    try {
      await chown(dir, uid, gid);
    } catch {
      // not root: the sandbox user needs write access some other way
      await chmod(dir, 0o777);
      this.logger?.warn(`could not chown ${dir} to ${uid}:${gid} (backend not root): made it world-writable`);
    }
  }

  /**
   * Waits for the entrypoint's `sandbox <id> started` line: the container runs AND its shell got
   * going (an image without /bin/sh dies right after a successful start).
   */
  private async waitUntilReady(
    name: string,
    id: string,
    timeoutMs = 10_000,
  ): Promise<ContainerInspect> {
    if (this.agent) return this.waitForAgentReady(name, id, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 20)) {
      const container = await this.client.inspectContainer(name);
      if (!container)
        throw new DriverError(
          `sandbox container ${name} vanished right after start`,
        );
      const output = (await this.client.logs(name, 20)).combined.trim();
      if (!container.State.Running) {
        const { message } = this.statusOf(container);
        throw new DriverError(
          `sandbox exited right after start (${message})${
            output ? `: ${output}` : ''
          }`,
        );
      }
      if (output.split('\n').includes(`sandbox ${id} started`))
        return container;
      if (Date.now() > deadline) {
        throw new DriverError(
          `sandbox did not get ready within ${timeoutMs / 1000} s${
            output ? `: ${output}` : ''
          }`,
        );
      }
      await new Promise(r => setTimeout(r, delay));
    }
  }

  /**
   * With the agent: it writes its ready line into `<runDir>/<name>/ready` as well as to stdout, so
   * readiness is a local file read every few ms; the engine is asked only every ~100 ms (has the
   * container exited?) and once at the end. Same meaning as the log line: agent listening, main
   * process spawned.
   */
  private async waitForAgentReady(name: string, id: string, timeoutMs: number): Promise<ContainerInspect> {
    const readyFile = path.join(this.agent!.runDir, name, 'ready');
    const want = `sandbox ${id} started`;
    const deadline = Date.now() + timeoutMs;
    let nextEngineCheck = Date.now() + 100;
    for (let delay = 2; ; delay = Math.min(delay * 2, 10)) {
      const content = await readFile(readyFile, 'utf8').catch(() => '');
      const ready = content.trim() === want;
      if (ready || Date.now() >= nextEngineCheck || Date.now() > deadline) {
        nextEngineCheck = Date.now() + 100;
        const container = await this.client.inspectContainer(name);
        if (!container) throw new DriverError(`sandbox container ${name} vanished right after start`);
        if (!container.State.Running) {
          const output = (await this.client.logs(name, 20)).combined.trim();
          const { message } = this.statusOf(container);
          throw new DriverError(`sandbox exited right after start (${message})${output ? `: ${output}` : ''}`);
        }
        if (ready) return container;
        if (Date.now() > deadline) {
          const output = (await this.client.logs(name, 20)).combined.trim();
          throw new DriverError(
            `sandbox did not get ready within ${timeoutMs / 1000} s${output ? `: ${output}` : ''}`,
          );
        }
      }
      await new Promise(r => setTimeout(r, delay));
    }
  }

  /** A create() for an id whose container exists: return it, or clear a half-made one. */
  private async adoptExisting(
    existing: ContainerInspect,
    log?: DriverLogger,
  ): Promise<SandboxInstance | undefined> {
    const name = existing.Name.replace(/^\//, '');
    this.assertManaged(existing, name);
    if (existing.State.Status === 'created') {
      // Never started: another process is creating it right now, or an earlier create() stopped
      // half-way (crash) and its upload may be partial. Old enough means the latter.
      const ageMs = Date.now() - Date.parse(existing.Created);
      if (!(ageMs >= this.staleCreateAfterMs))
        throw this.beingCreated(name, existing);
      log?.info(`container ${name} was left half-created: re-creating it`);
      await this.client.removeContainer(name);
      return undefined;
    }
    if (!existing.State.Running) {
      log?.info(`container ${name} exists but is stopped: starting it`);
      return this.start(name);
    }
    log?.info(`container ${name} already exists`);
    return this.toInstance(existing);
  }

  private beingCreated(name: string, container: ContainerInspect): DriverError {
    const seconds = Math.max(
      0,
      Math.round((Date.now() - Date.parse(container.Created)) / 1000),
    );
    return new DriverError(
      `sandbox container ${name} is being created by another process (created ${seconds} s ago, not started yet); try again later`,
    );
  }

  private labelsOf(spec: SandboxSpec): Record<string, string> {
    return {
      ...spec.labels,
      [SANDBOX_LABELS.id]: spec.labels[SANDBOX_LABELS.id] ?? spec.id,
      [SANDBOX_LABELS.name]: spec.labels[SANDBOX_LABELS.name] ?? spec.name,
      [SANDBOX_LABELS.workspace]:
        spec.labels[SANDBOX_LABELS.workspace] ?? spec.workspace,
      [SANDBOX_LABELS.owner]: spec.labels[SANDBOX_LABELS.owner] ?? spec.owner,
      [SANDBOX_LABELS.managed]: 'true',
    };
  }

  private containerBody(
    spec: SandboxSpec,
    labels: Record<string, string>,
    volume: string,
    networkMode: string,
  ): Record<string, unknown> {
    const memory = Math.round(spec.size.memoryMiB * 1024 * 1024);
    const readyLine = `sandbox ${spec.id} started`;
    const command = spec.process?.command?.length ? spec.process.command : DEFAULT_PROCESS;
    const uid = spec.process?.uid ?? SANDBOX_UID;
    const gid = spec.process?.gid ?? (spec.process?.uid !== undefined ? uid : SANDBOX_UID);
    // One line in the logs once ready, then the main process; the engine's init (tini) is PID 1
    // and reaps zombies. With the agent, the agent prints the line once its socket listens and
    // runs the main process itself.
    const entrypoint = this.agent
      ? [AGENT_NODE_PATH, `${AGENT_DIR_PATH}/portal-agent.js`, '--socket', `${AGENT_RUN_PATH}/agent.sock`, '--ready-line', readyLine, '--', ...command]
      : ['/bin/sh', '-c', 'echo "sandbox $0 started"; exec "$@"', spec.id, ...command];
    const agentMounts = this.agent
      ? [
          { Type: 'bind', Source: path.join(this.agent.runDir, containerName(spec.id)), Target: AGENT_RUN_PATH },
          { Type: 'bind', Source: this.agent.nodePath, Target: AGENT_NODE_PATH, ReadOnly: true },
          { Type: 'bind', Source: this.agent.agentDir, Target: AGENT_DIR_PATH, ReadOnly: true },
        ]
      : [];
    return {
      Image: spec.image,
      Hostname: `sbx-${spec.id}`
        .slice(0, 63)
        .replace(/[^a-zA-Z0-9-]/g, '-')
        .replace(/-+$/, ''),
      User: `${uid}:${gid}`,
      WorkingDir: spec.process?.workingDir ?? WORKSPACE_PATH,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: this.agent ? { ...labels, [AGENT_LABEL]: 'unix' } : labels,
      Entrypoint: entrypoint,
      Cmd: [],
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: {
        Init: true,
        NanoCpus: Math.round(spec.size.cpus * 1e9),
        Memory: memory,
        MemorySwap: memory,
        PidsLimit: spec.size.pids,
        NetworkMode: networkMode,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Mounts: [{ Type: 'volume', Source: volume, Target: WORKSPACE_PATH }, ...agentMounts],
        RestartPolicy: { Name: 'no' },
        LogConfig: {
          Type: 'json-file',
          Config: { 'max-size': '10m', 'max-file': '2' },
        },
      },
    };
  }

  /** `git clone --depth 1` into a fresh temp dir on the host; returns the checkout. */
  private async cloneOnHost(url: string, ref?: string): Promise<string> {
    const scheme =
      /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase() ??
      (/^[^/]+@[^/]+:/.test(url) ? 'ssh' : 'file');
    if (!this.gitProtocols.includes(scheme)) {
      throw new DriverError(
        `git clone of ${redact(
          url,
        )} refused: protocol '${scheme}' is not allowed (allowed: ${this.gitProtocols.join(
          ', ',
        )})`,
      );
    }
    const parent = await mkdtemp(path.join(os.tmpdir(), 'portal-sbx-clone-'));
    const dir = path.join(parent, 'repo');
    const args = [
      'clone',
      '--depth',
      '1',
      '--quiet',
      ...(ref ? ['--branch', ref] : []),
      '--',
      url,
      dir,
    ];
    try {
      await new Promise<void>((resolve, reject) => {
        execFile(
          'git',
          args,
          {
            timeout: this.gitTimeoutMs,
            killSignal: 'SIGKILL',
            maxBuffer: 4 * 1024 * 1024,
            env: {
              ...process.env,
              GIT_TERMINAL_PROMPT: '0',
              GIT_ASKPASS: '/bin/false',
              SSH_ASKPASS: '/bin/false',
              GIT_ALLOW_PROTOCOL: this.gitProtocols.join(':'),
              GIT_SSH_COMMAND:
                process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
            },
          },
          (error, _stdout, stderr) => {
            if (!error) return resolve();
            const killed = (error as { killed?: boolean }).killed;
            const detail = killed
              ? `timed out after ${Math.round(this.gitTimeoutMs / 1000)} s`
              : redact(String(stderr || error.message).trim()).slice(-800);
            reject(
              new DriverError(`git clone of ${redact(url)} failed: ${detail}`),
            );
          },
        );
      });
      return dir;
    } catch (error) {
      await rm(parent, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Streams `dir` as a tar owned by the sandbox user into /workspace (system tar). */
  private async uploadTree(container: string, dir: string): Promise<void> {
    const tar = spawn(
      'tar',
      [
        '-C',
        dir,
        '-c',
        '--numeric-owner',
        `--owner=${SANDBOX_UID}`,
        `--group=${SANDBOX_UID}`,
        '-f',
        '-',
        '.',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stderr: Buffer[] = [];
    tar.stderr.on('data', (c: Buffer) => stderr.push(c));
    const exited = new Promise<number>((resolve, reject) => {
      tar.on('error', reject);
      tar.on('close', code => resolve(code ?? -1));
    });
    try {
      await this.client.putArchive(container, WORKSPACE_PATH, tar.stdout);
    } catch (error) {
      tar.kill('SIGKILL');
      throw error;
    }
    const code = await exited;
    if (code !== 0) {
      throw new DriverError(
        `packing the repository failed: tar exited ${code}: ${Buffer.concat(
          stderr,
        )
          .toString()
          .trim()}`,
      );
    }
  }

  private async removeVolumeWithRetry(volume: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.removeVolume(volume);
        return;
      } catch (error) {
        // Right after the container is removed the engine may still hold the volume briefly.
        if (!isConflict(error) || attempt >= 10) throw error;
        await new Promise(r => setTimeout(r, 100));
      }
    }
  }

  /** Inspects a container that must exist and belong to the portal. */
  private async managed(externalId: string): Promise<ContainerInspect> {
    const container = await this.client.inspectContainer(externalId);
    if (!container)
      throw new DriverError(`sandbox container ${externalId} does not exist`);
    this.assertManaged(container, externalId);
    return container;
  }

  private assertManaged(container: ContainerInspect, externalId: string): void {
    if (container.Config.Labels?.[SANDBOX_LABELS.managed] !== 'true') {
      throw new DriverError(
        `container ${externalId} is not a portal sandbox (no ${SANDBOX_LABELS.managed} label)`,
      );
    }
  }

  private statusOf(container: ContainerInspect): {
    status: RuntimeStatus;
    message?: string;
  } {
    const state = container.State;
    if (state.OOMKilled && !state.Running)
      return { status: 'failed', message: 'out of memory' };
    switch (state.Status) {
      case 'running':
        return { status: 'running' };
      case 'created':
        return { status: 'creating' };
      case 'restarting':
        return { status: 'creating', message: 'restarting' };
      case 'paused':
        return { status: 'paused' };
      case 'exited':
        return {
          status: 'stopped',
          message: `exited with code ${state.ExitCode}${
            state.Error ? `: ${state.Error}` : ''
          }`,
        };
      case 'removing':
        return { status: 'stopped', message: 'being removed' };
      case 'dead':
        return {
          status: 'failed',
          message: state.Error || 'container is dead',
        };
      default:
        return {
          status: 'unknown',
          message: `engine state ${String(state.Status)}`,
        };
    }
  }

  private toInstance(container: ContainerInspect): SandboxInstance {
    const labels = container.Config.Labels ?? {};
    const { status, message } = this.statusOf(container);
    return {
      externalId: container.Name.replace(/^\//, ''),
      ...(labels[SANDBOX_LABELS.id]
        ? { sandboxId: labels[SANDBOX_LABELS.id] }
        : {}),
      status,
      ...(message ? { message } : {}),
      labels,
      limits: {
        cpus: container.HostConfig.NanoCpus / 1e9,
        memoryBytes: container.HostConfig.Memory,
        ...(container.HostConfig.PidsLimit
          ? { pids: container.HostConfig.PidsLimit }
          : {}),
        networkMode: container.HostConfig.NetworkMode,
        user: container.Config.User,
      },
      ...(container.State.StartedAt && container.State.StartedAt !== NEVER
        ? { startedAt: container.State.StartedAt }
        : {}),
    };
  }

  private asDriverError(error: unknown, context: string): Error {
    if (error instanceof DockerEngineError)
      return new DriverError(`${context}: ${error.message}`);
    if (error instanceof DriverError || error instanceof DriverUnavailableError)
      return error;
    return new DriverError(
      `${context}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function containerName(id: string): string {
  return `${CONTAINER_PREFIX}${id}`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Hides credentials in URLs (`https://user:token@host` -> `https://***@host`). */
export function redact(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@\s]+@/g, '$1***@');
}
