import { LoggerService } from '@backstage/backend-plugin-api';
import type { SandboxState } from '@internal/plugin-sandbox-common';
import { SandboxRecord, SandboxStore } from '../database/SandboxStore';
import { SandboxDriver, SandboxInstance } from '../drivers/types';
import { SandboxService } from './SandboxService';
import { Clock } from './types';

export interface ReconcileReport {
  checked: number;
  /** Rows the runtime lost (-> failed). */
  lost: string[];
  /** Runtime resources no live row owns (removed). */
  orphansRemoved: string[];
  /** Interrupted transitions driven to their end (provisioning, stopping, deleting). */
  resumed: string[];
  /** Stopped for TTL expiry or idleness. */
  autoStopped: string[];
  /** Paused for idleness (the template's idle pause time). */
  autoPaused: string[];
}

const LIVE_STATES: readonly SandboxState[] = [
  'pending',
  'provisioning',
  'running',
  'pausing',
  'paused',
  'resuming',
  'stopping',
  'stopped',
  'deleting',
  'failed',
];

/**
 * Compares the database with the runtime and repairs the difference. Runs once at start-up and
 * then periodically (one replica at a time through the scheduler):
 * - a row that should have a runtime but the runtime lost it -> `failed` with a reason;
 * - a runtime resource carrying our labels that no live row owns -> removed, and logged;
 * - a transition interrupted by a crash (pending/provisioning/stopping/deleting older than the
 *   grace period and not being worked on in this process) -> driven to its end again;
 * - TTL expiry and idle timeout -> stopped (the volume is kept), running or paused;
 * - idle longer than the template's idle pause time -> paused. A paused runtime under a `paused`
 *   row is no drift; a paused row whose runtime vanished -> `failed`, like a running one.
 */
export class Reconciler {
  constructor(
    private readonly deps: {
      store: SandboxStore;
      driver: SandboxDriver;
      service: SandboxService;
      clock: Clock;
      logger: LoggerService;
      /** How old an in-progress transition must be before it counts as interrupted. */
      staleAfterSeconds: number;
      /**
       * Whether another owner accounts for a resource no live row owns (warm pools: a member in
       * the pool table, or claimed by a row that committed after this run read the rows).
       */
      ownsRuntime?: (instance: SandboxInstance) => Promise<boolean>;
    },
  ) {}

  async reconcile(options: { staleAfterSeconds?: number } = {}): Promise<ReconcileReport> {
    const { driver, service, clock, logger } = this.deps;
    const staleAfterMs = (options.staleAfterSeconds ?? this.deps.staleAfterSeconds) * 1000;
    const report: ReconcileReport = {
      checked: 0,
      lost: [],
      orphansRemoved: [],
      resumed: [],
      autoStopped: [],
      autoPaused: [],
    };

    const rows = await this.liveRows();
    const instances = await driver.list();
    const bySandbox = new Map<string, SandboxInstance>();
    for (const instance of instances) {
      if (instance.sandboxId) bySandbox.set(instance.sandboxId, instance);
    }
    const live = new Set(rows.map(r => r.id));
    // a sandbox claimed from a warm pool keeps the member's labels: it is found by its handle
    const byExternal = new Map(instances.map(i => [i.externalId, i]));
    const liveExternal = new Set(rows.flatMap(r => (r.externalId ? [r.externalId] : [])));

    for (const instance of instances) {
      const owned =
        (instance.sandboxId && live.has(instance.sandboxId)) ||
        liveExternal.has(instance.externalId) ||
        (await this.deps.ownsRuntime?.(instance));
      if (!owned) {
        logger.warn(
          `reconciler: removing ${instance.externalId}, which carries sandbox labels but no live sandbox owns it (sandbox id ${instance.sandboxId ?? 'none'})`,
        );
        await driver.remove(instance.externalId);
        report.orphansRemoved.push(instance.externalId);
      }
    }

    const now = clock.now().getTime();
    for (const row of rows) {
      report.checked++;
      if (service.isBusy(row.id)) continue;
      const instance = (row.externalId ? byExternal.get(row.externalId) : undefined) ?? bySandbox.get(row.id);
      const stale = now - row.updatedAt.getTime() >= staleAfterMs;
      switch (row.state) {
        case 'running':
          if (!instance || instance.status === 'failed' || instance.status === 'stopped') {
            const reason = !instance
              ? 'the runtime lost this sandbox (container or claim is gone)'
              : `the sandbox stopped unexpectedly${instance.message ? `: ${instance.message}` : ''}`;
            if (await service.move(row, ['running'], 'failed', { reason })) report.lost.push(row.id);
          } else if (this.dueForStop(row, now)) {
            await service.stop(row.id, this.stopReason(row, now)).then(
              () => report.autoStopped.push(row.id),
              e => logger.warn(`reconciler: auto-stop of ${row.id} failed: ${e}`),
            );
          } else if (instance.status === 'running' && this.pauseReason(row, now)) {
            await service.pause(row.id, this.pauseReason(row, now)).then(
              () => report.autoPaused.push(row.id),
              e => logger.warn(`reconciler: auto-pause of ${row.id} failed: ${e}`),
            );
          }
          break;
        case 'paused':
          if (!instance || instance.status === 'failed' || instance.status === 'stopped') {
            const reason = !instance
              ? 'the runtime lost this sandbox while it was paused (container or claim is gone)'
              : `the paused sandbox stopped unexpectedly${instance.message ? `: ${instance.message}` : ''}`;
            if (await service.move(row, ['paused'], 'failed', { reason })) report.lost.push(row.id);
          } else if (this.dueForStop(row, now)) {
            // idle stop and TTL apply while paused too: stopping frees the memory a pause holds
            await service.stop(row.id, this.stopReason(row, now)).then(
              () => report.autoStopped.push(row.id),
              e => logger.warn(`reconciler: auto-stop of ${row.id} failed: ${e}`),
            );
          }
          break;
        case 'pausing':
          if (stale) {
            report.resumed.push(row.id);
            service.runInBackground(row.id, async () => void (await service.finishPause(row)));
          }
          break;
        case 'resuming':
          if (stale) {
            report.resumed.push(row.id);
            service.runInBackground(row.id, async () => void (await service.finishResume(row)));
          }
          break;
        case 'stopped':
          if (!instance && row.externalId) {
            if (await service.move(row, ['stopped'], 'failed', { reason: 'the runtime lost this sandbox while it was stopped' })) {
              report.lost.push(row.id);
            }
          }
          break;
        case 'pending':
        case 'provisioning':
          if (stale) {
            // the process that was provisioning it died: start over from a clean runtime
            if (!row.externalId) await service.removeRuntime(row);
            const failedFirst = await service.move(row, [row.state], 'failed', {
              reason: 'provisioning was interrupted (backend restart); retrying',
            });
            if (failedFirst) {
              report.resumed.push(row.id);
              service.runInBackground(row.id, () => service.provision(row.id, ['failed']));
            }
          }
          break;
        case 'stopping':
          if (stale) {
            report.resumed.push(row.id);
            service.runInBackground(row.id, () => service.finishStop(row));
          }
          break;
        case 'deleting':
          if (stale) {
            report.resumed.push(row.id);
            service.runInBackground(row.id, () => service.finishDelete(row));
          }
          break;
        default:
          break;
      }
    }
    if (
      report.lost.length ||
      report.orphansRemoved.length ||
      report.resumed.length ||
      report.autoStopped.length ||
      report.autoPaused.length
    ) {
      logger.info(
        `reconciler: checked ${report.checked}, lost ${report.lost.length}, orphans removed ${report.orphansRemoved.length}, resumed ${report.resumed.length}, auto-stopped ${report.autoStopped.length}, auto-paused ${report.autoPaused.length}`,
      );
    }
    return report;
  }

  private dueForStop(row: SandboxRecord, now: number): boolean {
    return this.stopReason(row, now) !== undefined;
  }

  private stopReason(row: SandboxRecord, now: number): string | undefined {
    if (row.expiresAt && row.expiresAt.getTime() <= now) {
      return `TTL of ${row.ttlSeconds}s expired`;
    }
    if (row.idleTimeoutSeconds) {
      const last = (row.lastActivityAt ?? row.startedAt ?? row.createdAt).getTime();
      if (now - last >= row.idleTimeoutSeconds * 1000) {
        return `idle for more than ${row.idleTimeoutSeconds}s`;
      }
    }
    return undefined;
  }

  /** Why a running sandbox is due for an idle pause (its template's idle pause time), if it is. */
  private pauseReason(row: SandboxRecord, now: number): string | undefined {
    const idlePauseSeconds = this.deps.service.idlePauseSecondsOf(row);
    if (!idlePauseSeconds) return undefined;
    const last = (row.lastActivityAt ?? row.startedAt ?? row.createdAt).getTime();
    return now - last >= idlePauseSeconds * 1000 ? `idle for more than ${idlePauseSeconds}s (auto-pause)` : undefined;
  }

  private async liveRows(): Promise<SandboxRecord[]> {
    const rows: SandboxRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.list({ states: LIVE_STATES, limit: 200, cursor });
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return rows;
  }
}
