import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  ExecRequest,
  ExecResult,
  ParsedCreateSandboxRequest,
  QuotaLimits,
  SANDBOX_CHANGED_TOPIC,
  SANDBOX_SIZES,
  Sandbox,
  SandboxChangedEvent,
  SandboxList,
  SandboxState,
  SandboxWithHistory,
  jetbrainsGatewayLink,
  sandboxEntityRef,
  vscodeRemoteLink,
} from '@internal/plugin-sandbox-common';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ListSandboxesFilter, SandboxRecord, SandboxStore } from '../database/SandboxStore';
import { QuotaExceededError } from '../database/quota';
import { DriverError, SANDBOX_LABELS, SandboxDriver, SandboxSpec } from '../drivers/types';
import { agentClientFor, isAgentUserError } from '../agent/AgentClient';
import type { BudgetGate } from './BudgetGate';
import { SandboxMetrics } from './metrics';
import { redactEnv } from './redactEnv';
import { Clock, TemplateImage } from './types';

/** Publishes state changes (the events service in the backend; a no-op in some tests). */
export interface SandboxEventPublisher {
  publish(event: SandboxChangedEvent): Promise<void>;
}

export interface SandboxServiceOptions {
  store: SandboxStore;
  driver: SandboxDriver;
  clock: Clock;
  logger: LoggerService;
  events?: SandboxEventPublisher;
  /** template name -> image; `default` is used for unknown templates when present. */
  templates: Record<string, TemplateImage>;
  /** Base URL of the portal frontend, for the sandbox page link. */
  appBaseUrl: string;
  /** SSH host pattern for IDE links, with `{name}`, `{workspace}` and `{id}` placeholders. */
  sshHostPattern?: string;
  sshUser?: string;
  metrics?: SandboxMetrics;
  /** Effective quota limits of a workspace (for the lifetime limit, checked before insert). */
  quotaLimits?: (workspace: string) => Promise<QuotaLimits>;
  /** Asks billing whether the workspace's budget blocks new sandboxes (first thing `create` does). */
  budgetGate?: Pick<BudgetGate, 'check'>;
  /** Warm pools (src/pools): tried first on create; undefined from it means a cold create. */
  warmPool?: {
    claim(record: SandboxRecord, spec: SandboxSpec): Promise<SandboxRecord | undefined>;
  };
}

const STATES_WITH_RUNTIME: readonly SandboxState[] = [
  'running',
  'pausing',
  'paused',
  'resuming',
  'stopped',
  'stopping',
  'failed',
  'provisioning',
];

/** `touch` writes the last-activity time at most this often per sandbox. */
export const TOUCH_INTERVAL_MS = 10_000;

/**
 * The sandbox lifecycle. Every change is a compare-and-set through the store, so requests, the
 * reconciler and other replicas never act twice on one sandbox. Driver work runs in the
 * background; `idle()` resolves once it has settled (tests, shutdown).
 */
export class SandboxService {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Emits a sandbox id whenever this process changes that sandbox's state (for waitUntil). */
  private readonly changes = new EventEmitter().setMaxListeners(0);
  /** sandbox id -> when this process last wrote its last-activity time (touch throttle). */
  private readonly touchedAt = new Map<string, number>();

  constructor(private readonly options: SandboxServiceOptions) {}

  get driverName(): string {
    return this.options.driver.name;
  }

  healthCheck(): Promise<void> {
    return this.options.driver.healthCheck();
  }

  /**
   * `options.process` (service callers only, e.g. the OpenHands API; never the public schema)
   * runs that main process instead of the image's usual one, and skips the warm pools.
   */
  async create(
    request: ParsedCreateSandboxRequest,
    owner: string,
    options: { process?: SandboxRecord['process'] } = {},
  ): Promise<Sandbox> {
    await this.options.budgetGate?.check(request.workspace);
    const { templates, clock, driver } = this.options;
    const template = templates[request.template] ?? templates.default;
    const image = request.image ?? template?.image;
    if (!image) {
      throw new InputError(
        `template: unknown template '${request.template}' and no image given (known: ${Object.keys(templates).join(', ')})`,
      );
    }
    const now = clock.now();
    const size = SANDBOX_SIZES[request.size];
    const id = randomBytes(8).toString('hex');
    let ttlSeconds = request.ttlSeconds;
    const maxLifetime = (await this.options.quotaLimits?.(request.workspace))?.maxLifetimeSeconds ?? null;
    if (maxLifetime !== null) {
      if (ttlSeconds !== null && ttlSeconds > maxLifetime) {
        this.countQuotaRejection(request.workspace, 'lifetime');
        throw new QuotaExceededError(request.workspace, 'lifetime', 0, ttlSeconds, maxLifetime);
      }
      ttlSeconds ??= maxLifetime;
    }
    const record: SandboxRecord = {
      id,
      name: request.name,
      workspace: request.workspace,
      owner,
      ownerGroup: request.ownerGroup,
      template: request.template,
      image,
      size,
      env: { ...(template?.env ?? {}), ...request.env },
      repo: request.repo,
      network: request.network || Boolean(template?.network),
      ttlSeconds,
      idleTimeoutSeconds: request.idleTimeoutSeconds,
      labels: request.labels,
      state: 'pending',
      driver: driver.name,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      expiresAt: ttlSeconds ? new Date(now.getTime() + ttlSeconds * 1000) : undefined,
      ...(options.process ? { process: options.process } : {}),
    };
    let claimed: SandboxRecord | undefined;
    try {
      claimed = record.process ? undefined : await this.options.warmPool?.claim(record, this.specOf(record));
      if (!claimed) await this.options.store.insert(record);
    } catch (e) {
      if (e instanceof QuotaExceededError) this.countQuotaRejection(e.workspace, e.resource);
      throw e;
    }
    if (claimed) {
      await this.publish(claimed);
      if (claimed.state === 'provisioning') this.runInBackground(id, () => this.finishClaim(claimed!));
      return this.toApi(claimed);
    }
    await this.publish(record);
    this.runInBackground(id, async () => {
      const moved = await this.beginProvision(id, ['pending']);
      if (moved) await this.runProvision(moved);
    });
    return this.toApi(record);
  }

  async get(id: string): Promise<SandboxWithHistory> {
    const record = await this.require(id);
    return { ...this.toApi(record), transitions: await this.options.store.transitions(id) };
  }

  async getRecord(id: string): Promise<SandboxRecord> {
    return this.require(id);
  }

  async list(filter: ListSandboxesFilter): Promise<SandboxList> {
    const page = await this.options.store.list(filter);
    return {
      items: page.items.map(r => this.toApi(r)),
      totalCount: page.totalCount,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  async start(id: string): Promise<Sandbox> {
    const record = await this.require(id);
    if (record.state !== 'stopped' && record.state !== 'failed') {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; only stopped or failed sandboxes can be started`);
    }
    // the state change (with its quota check) happens now, so a rejection reaches the caller
    let moved: SandboxRecord | undefined;
    try {
      moved = await this.beginProvision(id, ['stopped', 'failed']);
    } catch (e) {
      if (e instanceof QuotaExceededError) this.countQuotaRejection(e.workspace, e.resource);
      throw e;
    }
    if (!moved) {
      throw new ConflictError(`Sandbox '${record.name}' changed state meanwhile; try again`);
    }
    this.runInBackground(id, () => this.runProvision(moved!));
    return this.toApi(moved);
  }

  /** Changes the size of a stopped sandbox (disk quota checked now, compute at the next start). */
  async resize(id: string, sizeName: string): Promise<Sandbox> {
    const size = SANDBOX_SIZES[sizeName];
    if (!size) {
      throw new InputError(`size: must be one of ${Object.keys(SANDBOX_SIZES).join(', ')}`);
    }
    const record = await this.require(id);
    if (record.state !== 'stopped') {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; only stopped sandboxes can be resized`);
    }
    try {
      const updated = await this.options.store.resize(id, size, this.options.clock.now());
      if (!updated) throw new ConflictError(`Sandbox '${record.name}' changed state meanwhile; try again`);
      await this.publish(updated);
      return this.toApi(updated);
    } catch (e) {
      if (e instanceof QuotaExceededError) this.countQuotaRejection(e.workspace, e.resource);
      throw e;
    }
  }

  async stop(id: string, reason?: string): Promise<Sandbox> {
    const record = await this.require(id);
    const moved = await this.move(record, ['running', 'paused'], 'stopping', { reason: reason ?? null });
    if (!moved) {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; only running or paused sandboxes can be stopped`);
    }
    this.runInBackground(id, () => this.finishStop(moved));
    return this.toApi(moved);
  }

  /**
   * running -> pausing -> paused: freezes the sandbox (see {@link SandboxDriver.pause}). Resolves
   * once the runtime has paused it (milliseconds on Docker); from then on its usage is metered as
   * storage only. A driver failure puts it back to `running` and is thrown.
   */
  async pause(id: string, reason?: string): Promise<Sandbox> {
    const record = await this.require(id);
    this.requirePauseSupport();
    const moved = await this.move(record, ['running'], 'pausing', { reason: reason ?? null });
    if (!moved) {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; only running sandboxes can be paused`);
    }
    const error = await this.runAndWait(id, () => this.finishPause(moved));
    if (error) throw error;
    return this.toApi(await this.require(id));
  }

  /**
   * paused -> resuming -> running: the same processes, memory (Docker) and /workspace. Resolves
   * once it runs again; a failure leaves it `paused` (runtime still there) or `failed`, and is thrown.
   * No quota check: a paused sandbox keeps holding its vCPUs and memory in the quota.
   */
  async resume(id: string): Promise<Sandbox> {
    const record = await this.require(id);
    this.requirePauseSupport();
    const moved = await this.move(record, ['paused'], 'resuming', { reason: null });
    if (!moved) {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; only paused sandboxes can be resumed`);
    }
    const error = await this.runAndWait(id, () => this.finishResume(moved));
    if (error) throw error;
    return this.toApi(await this.require(id));
  }

  /** The driver work of pausing: pausing -> paused, or back to running with the reason. */
  async finishPause(record: SandboxRecord): Promise<Error | undefined> {
    const { driver, metrics } = this.options;
    const endTimer = metrics?.pauseResumeDuration.startTimer({ driver: driver.name, operation: 'pause' });
    try {
      if (record.externalId) await driver.pause!(record.externalId);
      await this.move(record, ['pausing'], 'paused', {});
      endTimer?.({ outcome: 'success' });
      return undefined;
    } catch (e) {
      endTimer?.({ outcome: 'failure' });
      this.countDriverError('pause');
      const error = this.userError(e);
      this.options.logger.warn(`sandbox ${record.name} (${record.id}) failed to pause: ${error.message}`);
      await this.move(record, ['pausing'], 'running', { reason: `pause failed: ${error.message}` });
      return error;
    }
  }

  /** The driver work of resuming: resuming -> running, or -> paused / failed with the reason. */
  async finishResume(record: SandboxRecord): Promise<Error | undefined> {
    const { driver, metrics, clock } = this.options;
    const endTimer = metrics?.pauseResumeDuration.startTimer({ driver: driver.name, operation: 'resume' });
    try {
      if (record.externalId) await driver.resume!(record.externalId);
      const now = clock.now();
      // resuming is activity: the idle clock starts again
      await this.move(record, ['resuming'], 'running', { lastActivityAt: now });
      this.touchedAt.set(record.id, now.getTime());
      endTimer?.({ outcome: 'success' });
      return undefined;
    } catch (e) {
      endTimer?.({ outcome: 'failure' });
      this.countDriverError('resume');
      const error = this.userError(e);
      this.options.logger.warn(`sandbox ${record.name} (${record.id}) failed to resume: ${error.message}`);
      const instance = record.externalId ? await driver.inspect(record.externalId).catch(() => undefined) : undefined;
      await this.move(record, ['resuming'], instance?.status === 'paused' ? 'paused' : 'failed', {
        reason: `resume failed: ${error.message}`,
      });
      return error;
    }
  }

  /**
   * Records activity (exec, files, port proxy) for idle auto-pause and idle stop. Writes at most
   * once every {@link TOUCH_INTERVAL_MS} per sandbox from this process; cheap to call per request.
   */
  async touch(id: string): Promise<void> {
    const now = this.options.clock.now().getTime();
    const last = this.touchedAt.get(id);
    if (last !== undefined && now >= last && now - last < TOUCH_INTERVAL_MS) return;
    if (this.touchedAt.size >= 10_000) this.touchedAt.clear();
    this.touchedAt.set(id, now);
    await this.options.store.touch(id, new Date(now));
  }

  /** The idle time after which a running sandbox of this template is paused (undefined: never). */
  idlePauseSecondsOf(record: Pick<SandboxRecord, 'template'>): number | undefined {
    const { templates } = this.options;
    return (templates[record.template] ?? templates.default)?.idlePauseSeconds;
  }

  async delete(id: string): Promise<Sandbox> {
    const record = await this.require(id);
    const moved = await this.move(
      record,
      ['pending', 'provisioning', 'running', 'pausing', 'paused', 'resuming', 'stopping', 'stopped', 'failed'],
      'deleting',
      {},
    );
    if (!moved) {
      throw new ConflictError(`Sandbox '${record.name}' is already ${record.state}`);
    }
    this.runInBackground(id, () => this.finishDelete(moved));
    return this.toApi(moved);
  }

  async exec(id: string, request: ExecRequest & { timeoutSeconds: number }): Promise<ExecResult> {
    const record = await this.require(id);
    if (record.state === 'paused') {
      throw new ConflictError(`Sandbox '${record.name}' is paused; resume it first`);
    }
    if (record.state !== 'running' || !record.externalId) {
      throw new ConflictError(`Sandbox '${record.name}' is ${record.state}; commands run only in running sandboxes`);
    }
    await this.touch(id);
    try {
      // through the sandbox's agent when it runs one (a few ms), else the driver's exec
      const endpoint = await this.options.driver.agentEndpoint?.(record.externalId);
      if (endpoint) {
        const { truncated: _truncated, ...result } = await agentClientFor(endpoint).exec({
          command: request.command,
          cwd: request.cwd,
          env: request.env,
          timeoutMs: request.timeoutSeconds * 1000,
          ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
        });
        return result;
      }
      return await this.options.driver.exec(record.externalId, {
        command: request.command,
        cwd: request.cwd,
        env: request.env,
        timeoutSeconds: request.timeoutSeconds,
      });
    } catch (e) {
      this.countDriverError('exec');
      if (isAgentUserError(e)) throw e;
      throw this.userError(e);
    }
  }

  async logs(id: string, tail: number): Promise<string> {
    const record = await this.require(id);
    if (!record.externalId || !STATES_WITH_RUNTIME.includes(record.state)) {
      return '';
    }
    try {
      return await this.options.driver.logs(record.externalId, { tail });
    } catch (e) {
      this.countDriverError('logs');
      throw this.userError(e);
    }
  }

  /** The usage ledger: closed records after an id cursor. */
  usage(filter: { after?: number; limit: number; workspace?: string }) {
    return this.options.store.readUsage(filter);
  }

  /** Waits until the sandbox reaches one of `states`; throws on timeout naming the last state. */
  async waitFor(id: string, states: readonly SandboxState[], timeoutMs: number, pollMs = 100): Promise<Sandbox> {
    const sandbox = await this.waitUntil(id, states, timeoutMs, pollMs);
    if (!states.includes(sandbox.state)) {
      throw new ConflictError(`Sandbox '${sandbox.name}' is still ${sandbox.state} after ${Math.round(timeoutMs / 1000)}s`);
    }
    return sandbox;
  }

  /**
   * Resolves with the sandbox as soon as it is in one of `states`, or with its state at the
   * deadline. Wakes on every state change this process makes (no polling delay for its own
   * background work) and reads the store every `pollMs` for changes made elsewhere (another
   * replica, the reconciler).
   */
  async waitUntil(id: string, states: readonly SandboxState[], timeoutMs: number, pollMs = 100): Promise<Sandbox> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let wake: () => void = () => undefined;
      const woken = new Promise<void>(resolve => {
        wake = resolve;
      });
      // listening before the read: a change between the read and the wait is not missed
      this.changes.once(id, wake);
      let timer: NodeJS.Timeout | undefined;
      try {
        const record = await this.require(id);
        const left = deadline - Date.now();
        if (states.includes(record.state) || left <= 0) return this.toApi(record);
        await Promise.race([woken, new Promise(resolve => (timer = setTimeout(resolve, Math.min(pollMs, left))))]);
      } finally {
        clearTimeout(timer);
        this.changes.removeListener(id, wake);
      }
    }
  }

  /** Resolves when all background driver work started so far has settled. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight.values()]);
    }
  }

  /** Runs `work` in the sandbox's background queue and resolves with its outcome. */
  private runAndWait(id: string, work: () => Promise<Error | undefined>): Promise<Error | undefined> {
    return new Promise(resolve => {
      this.runInBackground(id, async () => {
        let outcome: Error | undefined;
        try {
          outcome = await work();
        } catch (e) {
          outcome = this.userError(e);
        }
        resolve(outcome);
      });
    });
  }

  private requirePauseSupport() {
    const { driver } = this.options;
    if (!driver.pause || !driver.resume) {
      throw new ConflictError(`The ${driver.name} driver cannot pause sandboxes`);
    }
  }

  /** Ids with driver work running in this process (the reconciler leaves them alone). */
  isBusy(id: string): boolean {
    return this.inFlight.has(id);
  }

  // --- lifecycle steps, also driven by the reconciler ---

  /** from -> provisioning -> running | failed. A failed create leaves nothing behind. */
  async provision(id: string, from: readonly SandboxState[]): Promise<void> {
    let moved: SandboxRecord | undefined;
    try {
      moved = await this.beginProvision(id, from);
    } catch (e) {
      if (!(e instanceof QuotaExceededError)) throw e;
      this.countQuotaRejection(e.workspace, e.resource);
      const record = await this.require(id);
      await this.move(record, from, 'failed', { reason: e.message });
      return;
    }
    if (moved) await this.runProvision(moved);
  }

  /** The compare-and-set into `provisioning` (quota-checked when it takes compute again). */
  async beginProvision(id: string, from: readonly SandboxState[]): Promise<SandboxRecord | undefined> {
    const record = await this.require(id);
    return this.move(record, from, 'provisioning', { reason: null });
  }

  /** The driver work of provisioning: -> running, or -> failed with the reason. */
  async runProvision(moved: SandboxRecord): Promise<void> {
    const id = moved.id;
    const { driver, logger, metrics } = this.options;
    const endTimer = metrics?.startProvisionTimer({ driver: driver.name, template: moved.template });
    try {
      const instance = moved.externalId
        ? await this.restartOrRecreate(moved)
        : await driver.create(this.specOf(moved), { info: m => logger.info(`sandbox ${moved.name}: ${m}`) });
      const now = this.options.clock.now();
      await this.move(moved, ['provisioning'], 'running', {
        externalId: instance.externalId,
        startedAt: now,
        lastActivityAt: now,
      });
      endTimer?.({ outcome: 'success' });
    } catch (e) {
      endTimer?.({ outcome: 'failure' });
      this.countDriverError('provision');
      const reason = this.userError(e).message;
      logger.warn(`sandbox ${moved.name} (${id}) failed to provision: ${reason}`);
      await this.cleanupRuntime(moved);
      await this.move(moved, ['provisioning'], 'failed', { reason });
    }
  }

  /**
   * A sandbox claimed from a warm pool with a repo: clone into the running member, then
   * provisioning -> running (the usage interval opens then). A failed clone removes the member,
   * so a later start builds the sandbox cold, clone included.
   */
  async finishClaim(claimed: SandboxRecord): Promise<void> {
    const { driver, logger, clock } = this.options;
    try {
      await driver.cloneRepo!(claimed.externalId!, claimed.repo!, { info: m => logger.info(`sandbox ${claimed.name}: ${m}`) });
      const now = clock.now();
      await this.move(claimed, ['provisioning'], 'running', { startedAt: now, lastActivityAt: now });
    } catch (e) {
      this.countDriverError('clone');
      const reason = this.userError(e).message;
      logger.warn(`sandbox ${claimed.name} (${claimed.id}) failed to clone into its warm pool member: ${reason}`);
      await driver.remove(claimed.externalId!).catch(() => undefined);
      await this.move(claimed, ['provisioning'], 'failed', { reason });
    }
  }

  async finishStop(record: SandboxRecord): Promise<void> {
    try {
      if (record.externalId) await this.options.driver.stop(record.externalId);
      await this.move(record, ['stopping'], 'stopped', {});
    } catch (e) {
      this.countDriverError('stop');
      await this.move(record, ['stopping'], 'failed', { reason: `stop failed: ${this.userError(e).message}` });
    }
  }

  async finishDelete(record: SandboxRecord): Promise<void> {
    try {
      await this.removeRuntime(record);
      await this.move(record, ['deleting'], 'deleted', {});
    } catch (e) {
      this.countDriverError('remove');
      await this.move(record, ['deleting'], 'failed', { reason: `delete failed: ${this.userError(e).message}` });
    }
  }

  /** Moves a sandbox via compare-and-set and tells subscribers. Undefined if it lost the race. */
  async move(
    record: SandboxRecord,
    from: readonly SandboxState[],
    to: SandboxState,
    patch: { reason?: string | null; externalId?: string; startedAt?: Date; lastActivityAt?: Date },
  ): Promise<SandboxRecord | undefined> {
    const updated = await this.options.store.transition(record.id, from, to, patch, this.options.clock.now());
    if (updated) await this.publish(updated);
    return updated;
  }

  runInBackground(id: string, work: () => Promise<void>): void {
    const previous = this.inFlight.get(id) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch(e => this.options.logger.error(`sandbox ${id}: background work failed: ${e}`))
      .finally(() => {
        if (this.inFlight.get(id) === next) this.inFlight.delete(id);
      });
    this.inFlight.set(id, next);
  }

  specOf(record: SandboxRecord): SandboxSpec {
    return {
      id: record.id,
      name: record.name,
      workspace: record.workspace,
      owner: record.owner,
      image: record.image,
      size: record.size,
      env: record.env,
      network: record.network,
      repo: record.repo,
      ...(record.process ? { process: record.process } : {}),
      labels: {
        ...record.labels,
        [SANDBOX_LABELS.id]: record.id,
        [SANDBOX_LABELS.name]: record.name,
        [SANDBOX_LABELS.workspace]: record.workspace,
        [SANDBOX_LABELS.owner]: record.owner,
        [SANDBOX_LABELS.template]: record.template,
      },
    };
  }

  toApi(record: SandboxRecord): Sandbox {
    const { appBaseUrl, sshHostPattern, sshUser = 'sandbox' } = this.options;
    const sshHost = sshHostPattern
      ?.replace('{name}', record.name)
      .replace('{workspace}', record.workspace)
      .replace('{id}', record.id);
    return {
      id: record.id,
      name: record.name,
      workspace: record.workspace,
      owner: record.owner,
      ...(record.ownerGroup ? { ownerGroup: record.ownerGroup } : {}),
      template: record.template,
      image: record.image,
      size: record.size,
      env: redactEnv(record.env),
      ...(record.repo ? { repo: record.repo } : {}),
      network: record.network,
      ttlSeconds: record.ttlSeconds,
      idleTimeoutSeconds: record.idleTimeoutSeconds,
      labels: record.labels,
      state: record.state,
      ...(record.reason ? { reason: record.reason } : {}),
      driver: record.driver,
      ...(record.externalId ? { externalId: record.externalId } : {}),
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
      ...(record.startedAt ? { startedAt: record.startedAt.toISOString() } : {}),
      ...(record.expiresAt ? { expiresAt: record.expiresAt.toISOString() } : {}),
      links: {
        portal: `${appBaseUrl.replace(/\/$/, '')}/sandboxes/${record.id}`,
        ...(sshHost
          ? {
              vscode: vscodeRemoteLink({ sshHost, sshUser, path: '/workspace' }),
              jetbrainsGateway: jetbrainsGatewayLink({ sshHost, sshUser, path: '/workspace' }),
            }
          : {}),
      },
      entityRef: sandboxEntityRef(record.workspace, record.name),
    };
  }

  private async restartOrRecreate(record: SandboxRecord) {
    const { driver } = this.options;
    const existing = await driver.inspect(record.externalId!);
    if (existing) {
      return driver.start(record.externalId!, { size: record.size });
    }
    // the runtime lost it (engine reset): build it again from the spec, with a fresh volume
    return driver.create(this.specOf(record));
  }

  private async cleanupRuntime(record: SandboxRecord) {
    if (record.externalId) {
      // a restart of an existing sandbox failed: keep its volume, it holds the user's work
      return;
    }
    try {
      await this.removeRuntime(record);
    } catch (e) {
      this.options.logger.warn(`sandbox ${record.id}: cleanup after failed create failed: ${e}`);
    }
  }

  /**
   * Removes everything the runtime holds for a sandbox: by its handle when create returned one,
   * otherwise by the sandbox id label (a create that died half-way has no handle in the DB).
   */
  async removeRuntime(record: SandboxRecord): Promise<void> {
    const { driver } = this.options;
    if (record.externalId) {
      await driver.remove(record.externalId);
    }
    const leftovers = (await driver.list()).filter(i => i.sandboxId === record.id);
    for (const instance of leftovers) {
      await driver.remove(instance.externalId);
    }
  }

  private countQuotaRejection(workspace: string, resource: string) {
    this.options.metrics?.quotaRejections.inc({ workspace, resource });
  }

  private countDriverError(operation: string) {
    this.options.metrics?.driverErrors.inc({ driver: this.options.driver.name, operation });
  }

  private async require(id: string): Promise<SandboxRecord> {
    const record = await this.options.store.get(id);
    if (!record) throw new NotFoundError(`No sandbox with id '${id}'`);
    return record;
  }

  private userError(e: unknown): Error {
    if (e instanceof DriverError) return e;
    const err = e as Error;
    return new Error(err?.message ?? String(e));
  }

  private async publish(record: SandboxRecord) {
    this.changes.emit(record.id);
    try {
      await this.options.events?.publish({
        sandboxId: record.id,
        workspace: record.workspace,
        name: record.name,
        state: record.state,
      });
    } catch (e) {
      this.options.logger.warn(`could not publish ${SANDBOX_CHANGED_TOPIC} for ${record.id}: ${e}`);
    }
  }
}
