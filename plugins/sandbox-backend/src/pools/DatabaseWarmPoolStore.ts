import { Knex } from 'knex';
import { toDate, toOptionalDate } from '../database/dates';

export type WarmPoolMemberState = 'creating' | 'ready' | 'claimed';

/** One row of `sandbox_warm_pool`. */
export interface WarmPoolMember {
  id: string;
  template: string;
  specKey: string;
  state: WarmPoolMemberState;
  externalId?: string;
  sandboxId?: string;
  createdAt: Date;
  readyAt?: Date;
  claimedAt?: Date;
}

const TABLE = 'sandbox_warm_pool';

/**
 * The pool table (created by the plugin's migrations). Every change is a compare-and-set on the
 * member's state, so a member is handed out at most once and two replicas never both clean it up.
 * @internal
 */
export class DatabaseWarmPoolStore {
  constructor(private readonly db: Knex) {}

  /** Written BEFORE the runtime is asked to create the member: a crash leaves a row to find. */
  async insertCreating(member: { id: string; template: string; specKey: string; createdAt: Date }): Promise<void> {
    await this.db(TABLE).insert({
      id: member.id,
      template: member.template,
      spec_key: member.specKey,
      state: 'creating',
      created_at: member.createdAt,
    });
  }

  /** creating -> ready with the runtime handle; false when the row is gone or moved meanwhile. */
  async markReady(id: string, externalId: string, at: Date): Promise<boolean> {
    const n = await this.db(TABLE).where({ id, state: 'creating' }).update({ state: 'ready', external_id: externalId, ready_at: at });
    return n === 1;
  }

  /** Deletes a member if it is still in `state`; false when someone else changed it first. */
  async remove(id: string, state: WarmPoolMemberState): Promise<boolean> {
    return (await this.db(TABLE).where({ id, state }).delete()) === 1;
  }

  async get(id: string): Promise<WarmPoolMember | undefined> {
    const row = await this.db(TABLE).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  async list(template?: string): Promise<WarmPoolMember[]> {
    const q = this.db(TABLE).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    if (template) q.where({ template });
    return (await q).map(fromRow);
  }

  /** Templates that have rows (a pool removed from config still has members to clean up). */
  async templates(): Promise<string[]> {
    const rows = await this.db(TABLE).distinct('template');
    return rows.map(r => String(r.template));
  }

  /**
   * Takes the oldest ready member of a template with a matching spec inside the caller's
   * transaction (the sandbox insert): ready -> claimed, compare-and-set. On PostgreSQL, rows
   * another claim holds are skipped rather than waited for. Returns the runtime handle.
   */
  async take(
    tx: Knex.Transaction,
    claim: { template: string; specKey: string; sandboxId: string; at: Date },
  ): Promise<string | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const q = tx(TABLE)
        .where({ template: claim.template, spec_key: claim.specKey, state: 'ready' })
        .orderBy([{ column: 'ready_at' }, { column: 'id' }])
        .first('id', 'external_id');
      if (tx.client.config.client === 'pg') q.forUpdate().skipLocked();
      const row = await q;
      if (!row) return undefined;
      const n = await tx(TABLE)
        .where({ id: row.id, state: 'ready' })
        .update({ state: 'claimed', sandbox_id: claim.sandboxId, claimed_at: claim.at });
      if (n === 1) return row.external_id;
    }
    return undefined;
  }

  /** Forgets claimed members claimed before `before` (kept only for the refill rate and audits). */
  async pruneClaimed(before: Date): Promise<number> {
    return this.db(TABLE).where({ state: 'claimed' }).where('claimed_at', '<', before).delete();
  }

  /** Whether a live (not deleted) sandbox row holds this runtime handle. */
  async ownedBySandbox(externalId: string): Promise<boolean> {
    const row = await this.db('sandboxes').where({ external_id: externalId }).whereNot('state', 'deleted').first('id');
    return Boolean(row);
  }

  /** Unclaimed members by template and state, for the pool size gauge. */
  async counts(): Promise<Array<{ template: string; state: WarmPoolMemberState; count: number }>> {
    const rows = await this.db(TABLE)
      .whereNot('state', 'claimed')
      .select('template', 'state')
      .count({ count: '*' })
      .groupBy('template', 'state');
    return (rows as Array<{ template: string; state: string; count: number | string }>).map(r => ({
      template: String(r.template),
      state: r.state as WarmPoolMemberState,
      count: Number(r.count),
    }));
  }
}

function fromRow(row: Record<string, any>): WarmPoolMember {
  return {
    id: row.id,
    template: row.template,
    specKey: row.spec_key,
    state: row.state,
    ...(row.external_id ? { externalId: row.external_id } : {}),
    ...(row.sandbox_id ? { sandboxId: row.sandbox_id } : {}),
    createdAt: toDate(row.created_at),
    ...(row.ready_at ? { readyAt: toOptionalDate(row.ready_at) } : {}),
    ...(row.claimed_at ? { claimedAt: toOptionalDate(row.claimed_at) } : {}),
  };
}
