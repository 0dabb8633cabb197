import { LoggerService } from '@backstage/backend-plugin-api';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { createHash, randomBytes } from 'node:crypto';
import { SandboxRecord, SandboxStore } from '../database/SandboxStore';
import { SANDBOX_LABELS, SandboxDriver, SandboxInstance, SandboxSpec } from '../drivers/types';
import { Clock, TemplateImage } from '../service/types';
import { WarmPoolConfig } from './config';
import { DatabaseWarmPoolStore, WarmPoolMember } from './DatabaseWarmPoolStore';
import { WarmPoolMetrics } from './metrics';

export interface WarmPoolServiceOptions {
  pools: WarmPoolConfig[];
  templates: Record<string, TemplateImage>;
  store: DatabaseWarmPoolStore;
  sandboxes: SandboxStore;
  driver: SandboxDriver;
  clock: Clock;
  logger: LoggerService;
  metrics?: WarmPoolMetrics;
  /** A `creating` member older than this is the leftover of a crashed refill. Default 5 minutes. */
  staleCreatingMs?: number;
  /** Claimed rows are kept this long (refill rate, demand). Default 1 hour. */
  claimedRetentionMs?: number;
  /** Members created at once by one refill run. Default 3. */
  concurrency?: number;
  /** A refill run starts no new creates after this long (the scheduler lease is short). Default 40 s. */
  runBudgetMs?: number;
}

export interface RefillReport {
  created: string[];
  createFailed: string[];
  /** Ready members whose runtime is gone, not running, or built from an outdated spec. */
  replaced: string[];
  /** `creating` leftovers of a crash whose runtime was found running (-> ready). */
  adopted: string[];
  /** `creating` leftovers without a usable runtime, and members of pools no longer configured. */
  removed: string[];
}

/** The fields of a spec that a pool member must share with a request (identity fields excluded). */
export function specKeyOf(spec: SandboxSpec): string {
  const { id: _id, name: _name, workspace: _ws, owner: _owner, labels: _labels, repo: _repo, ...rest } = spec;
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 32);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)); // keys are unique: never equal
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Warm pools: per template, started sandboxes that belong to no workspace and are not metered,
 * handed out by {@link claim} inside the transaction that inserts the sandbox row (quota charged,
 * usage interval opened, pool row compare-and-set to `claimed`: all or nothing). {@link refill}
 * (a global scheduled task) health-checks members, cleans up after crashes and creates new ones
 * within min / max / refillPerMinute. The mapping member <-> runtime lives in the database because
 * runtime labels cannot change after creation; {@link ownsRuntime} tells the reconciler which
 * pool-labelled resources are accounted for.
 */
export class WarmPoolService {
  private readonly pools = new Map<string, WarmPoolConfig & { specKey: string }>();
  private readonly creating = new Set<string>();

  constructor(private readonly options: WarmPoolServiceOptions) {
    if (options.pools.length && !options.sandboxes.insertClaimed) {
      throw new Error('warm pools need a sandbox store that supports claims (insertClaimed)');
    }
    for (const pool of options.pools) {
      this.pools.set(pool.template, { ...pool, specKey: specKeyOf(this.memberSpec(pool, 'key')) });
    }
    options.metrics?.initialise(options.pools.map(p => p.template));
  }

  /** Configured pools (template names). */
  get templates(): string[] {
    return [...this.pools.keys()];
  }

  /**
   * Hands a ready member of `record.template`'s pool to a new sandbox, or answers undefined (no
   * pool, incompatible request, or empty pool: the caller creates cold). `spec` is the spec the
   * sandbox would get; a member serves it only when image, size, network, env (and anything else
   * but identity, labels and repo) are equal. A request with a repo claims into `provisioning`
   * (the caller clones, then -> running); otherwise straight into `running`.
   */
  async claim(record: SandboxRecord, spec: SandboxSpec): Promise<SandboxRecord | undefined> {
    const pool = this.pools.get(record.template);
    if (!pool) return undefined;
    const { metrics, clock, driver } = this.options;
    const endTimer = metrics?.claimDuration.startTimer({ template: pool.template });
    if (specKeyOf(spec) !== pool.specKey || (record.repo && !driver.cloneRepo)) {
      metrics?.misses.inc({ template: pool.template, reason: 'incompatible' });
      endTimer?.({ outcome: 'miss' });
      return undefined;
    }
    const now = clock.now();
    const state = record.repo ? 'provisioning' : 'running';
    const claimed = await this.options.sandboxes.insertClaimed!(
      { ...record, state, ...(state === 'running' ? { startedAt: now } : {}), lastActivityAt: now, updatedAt: now },
      {
        take: tx => this.options.store.take(tx, { template: pool.template, specKey: pool.specKey, sandboxId: record.id, at: now }),
        reason: `claimed from the warm pool of template '${pool.template}'`,
      },
    );
    if (!claimed) {
      metrics?.misses.inc({ template: pool.template, reason: 'empty' });
      endTimer?.({ outcome: 'miss' });
      return undefined;
    }
    metrics?.hits.inc({ template: pool.template });
    endTimer?.({ outcome: 'hit' });
    return claimed;
  }

  /**
   * Whether a runtime resource with the pool label is accounted for: a member in the pool table
   * (creating or ready), or claimed by a live sandbox row. Checked in that order, so a claim that
   * commits between the two reads is still seen (the claim moves both in one transaction).
   */
  async ownsRuntime(instance: SandboxInstance): Promise<boolean> {
    if (instance.labels[SANDBOX_LABELS.pool] === undefined || !instance.sandboxId) return false;
    const member = await this.options.store.get(instance.sandboxId);
    if (member && member.state !== 'claimed') return true;
    return this.options.store.ownedBySandbox(instance.externalId);
  }

  /** One refill run over every pool (and over rows of pools no longer configured). */
  async refill(): Promise<RefillReport> {
    const { store, driver, clock } = this.options;
    const report: RefillReport = { created: [], createFailed: [], replaced: [], adopted: [], removed: [] };
    const started = Date.now();
    const now = clock.now();
    await store.pruneClaimed(new Date(now.getTime() - (this.options.claimedRetentionMs ?? 3_600_000)));
    const templates = new Set([...this.pools.keys(), ...(await store.templates())]);
    if (!templates.size) return report;
    const instances = await driver.list();
    const byExternal = new Map(instances.map(i => [i.externalId, i]));
    const byMember = new Map<string, SandboxInstance[]>();
    for (const instance of instances) {
      if (instance.labels[SANDBOX_LABELS.pool] === undefined || !instance.sandboxId) continue;
      byMember.set(instance.sandboxId, [...(byMember.get(instance.sandboxId) ?? []), instance]);
    }

    for (const template of templates) {
      const pool = this.pools.get(template);
      const members = await store.list(template);
      for (const member of members) {
        await this.check(member, pool, { now, byExternal, byMember, report });
      }
      if (!pool) continue;
      const recent = await store.list(template);
      const live = recent.filter(m => m.state !== 'claimed');
      const minuteAgo = now.getTime() - 60_000;
      const createdLastMinute = recent.filter(m => m.createdAt.getTime() > minuteAgo).length;
      const claimedLastMinute = recent.filter(m => m.claimedAt && m.claimedAt.getTime() > minuteAgo).length;
      // under demand the pool grows from min towards max
      const target = Math.min(pool.max, pool.min + claimedLastMinute);
      const wanted = Math.min(target - live.length, pool.refillPerMinute - createdLastMinute);
      await this.createMembers(pool, wanted, started, report);
    }
    this.logReport(report);
    return report;
  }

  /** Removes every unclaimed member of a template (tests, decommissioning a pool). */
  async drain(template: string): Promise<string[]> {
    const removed: string[] = [];
    for (const member of await this.options.store.list(template)) {
      if (member.state === 'claimed' || this.creating.has(member.id)) continue;
      if (await this.options.store.remove(member.id, member.state)) {
        await this.removeRuntimeOf(member);
        removed.push(member.id);
      }
    }
    return removed;
  }

  /** Idle-process spec of a member (no workspace, no owner; labels name the pool). */
  memberSpec(pool: WarmPoolConfig, id: string): SandboxSpec {
    const template = this.options.templates[pool.template];
    return {
      id,
      name: id,
      workspace: '',
      owner: '',
      image: template.image,
      size: SANDBOX_SIZES[pool.size],
      env: { ...(template.env ?? {}) },
      network: Boolean(template.network),
      labels: {
        [SANDBOX_LABELS.id]: id,
        [SANDBOX_LABELS.template]: pool.template,
        [SANDBOX_LABELS.pool]: pool.template,
      },
    };
  }

  private async check(
    member: WarmPoolMember,
    pool: (WarmPoolConfig & { specKey: string }) | undefined,
    ctx: {
      now: Date;
      byExternal: Map<string, SandboxInstance>;
      byMember: Map<string, SandboxInstance[]>;
      report: RefillReport;
    },
  ) {
    const { store, metrics } = this.options;
    const { report } = ctx;
    if (member.state === 'ready') {
      const instance = member.externalId ? ctx.byExternal.get(member.externalId) : undefined;
      const healthy = instance?.status === 'running' && pool && member.specKey === pool.specKey;
      if (healthy) return;
      if (await store.remove(member.id, 'ready')) {
        await this.removeRuntimeOf(member);
        const event = pool ? 'replaced' : 'removed';
        (pool ? report.replaced : report.removed).push(member.id);
        metrics?.members.inc({ template: member.template, event });
      }
      return;
    }
    if (member.state !== 'creating' || this.creating.has(member.id)) return;
    const staleMs = this.options.staleCreatingMs ?? 5 * 60_000;
    if (ctx.now.getTime() - member.createdAt.getTime() < staleMs) return;
    // a refill died between writing the row and marking it ready
    const found = ctx.byMember.get(member.id) ?? [];
    const running = found.find(i => i.status === 'running');
    if (running && pool && member.specKey === pool.specKey && found.length === 1) {
      if (await store.markReady(member.id, running.externalId, ctx.now)) {
        report.adopted.push(member.id);
        metrics?.members.inc({ template: member.template, event: 'adopted' });
      }
      return;
    }
    if (await store.remove(member.id, 'creating')) {
      for (const instance of found) await this.options.driver.remove(instance.externalId);
      report.removed.push(member.id);
      metrics?.members.inc({ template: member.template, event: 'removed' });
    }
  }

  private async createMembers(
    pool: WarmPoolConfig & { specKey: string },
    wanted: number,
    started: number,
    report: RefillReport,
  ) {
    const budgetMs = this.options.runBudgetMs ?? 40_000;
    let left = wanted;
    const worker = async () => {
      while (left > 0 && Date.now() - started < budgetMs) {
        left--;
        await this.createMember(pool, report);
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(wanted, 0), this.options.concurrency ?? 3) }, worker));
  }

  private async createMember(pool: WarmPoolConfig & { specKey: string }, report: RefillReport) {
    const { store, driver, clock, logger, metrics } = this.options;
    const id = `wp${randomBytes(7).toString('hex')}`;
    this.creating.add(id);
    try {
      await store.insertCreating({ id, template: pool.template, specKey: pool.specKey, createdAt: clock.now() });
      let instance: SandboxInstance;
      try {
        instance = await driver.create(this.memberSpec(pool, id));
      } catch (e) {
        // create is all-or-nothing: only the row is left
        await store.remove(id, 'creating');
        report.createFailed.push(id);
        metrics?.members.inc({ template: pool.template, event: 'create_failed' });
        logger.warn(`warm pool ${pool.template}: creating a member failed: ${(e as Error).message}`);
        return;
      }
      if (await store.markReady(id, instance.externalId, clock.now())) {
        report.created.push(id);
        metrics?.members.inc({ template: pool.template, event: 'created' });
      } else {
        // the row was cleaned up meanwhile (taken for a crash leftover): do not leak the runtime
        await driver.remove(instance.externalId);
      }
    } finally {
      this.creating.delete(id);
    }
  }

  private async removeRuntimeOf(member: WarmPoolMember) {
    const { driver, logger } = this.options;
    try {
      if (member.externalId) {
        await driver.remove(member.externalId);
      } else {
        for (const instance of (await driver.list()).filter(i => i.sandboxId === member.id)) {
          await driver.remove(instance.externalId);
        }
      }
    } catch (e) {
      // the reconciler removes it later: its row is gone, so nobody owns it
      logger.warn(`warm pool ${member.template}: removing member ${member.id} failed: ${(e as Error).message}`);
    }
  }

  private logReport(report: RefillReport) {
    const parts = Object.entries(report)
      .filter(([, ids]) => ids.length)
      .map(([k, ids]) => `${k} ${ids.length}`);
    if (parts.length) this.options.logger.info(`warm pools: ${parts.join(', ')}`);
  }
}
