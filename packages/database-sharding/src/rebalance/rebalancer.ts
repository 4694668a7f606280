import { IntelGraphError } from '@intelgraph/errors';
import type pg from 'pg';
import type { ShardConfig } from '../config/shard-manager-options.js';
import type { ShardRouter } from '../routing/shard-router.js';
import type { ShardManager } from '../shard-manager.js';
import { deleteLogEntries, installCapture, readLog, removeCapture } from './change-capture.js';
import { planAddShard, type RebalancePlan } from './rebalance-plan.js';
import { RowCopier } from './row-copier.js';
import type { ShardedTable } from './table-spec.js';

export interface RebalancerOptions {
  readonly manager: ShardManager;
  readonly router: ShardRouter;
  /** Every sharded table whose rows move with their shard key. */
  readonly tables: readonly ShardedTable[];
  /** Rows per copy batch. Default 500. */
  readonly batchSize?: number;
  /** Stop the online catch-up when a round replays fewer changes than this. Default 50. */
  readonly catchUpThreshold?: number;
  /** Give up the online catch-up after this many rounds and go to the fenced phase. Default 20. */
  readonly maxCatchUpRounds?: number;
  /**
   * How long to wait for running operations on moving keys to finish once the fence closes
   * (e.g. a long transaction). Past it the move is abandoned before switching. Default 30000 ms.
   */
  readonly fenceTimeoutMs?: number;
}

export interface RebalanceReport {
  readonly newShardId: string;
  readonly movedKeys: number;
  readonly copiedRows: number;
  readonly replayedChanges: number;
  readonly catchUpRounds: number;
  /** Keys that appeared during the move and were moved in the fenced phase. */
  readonly lateKeys: number;
  readonly deletedSourceRows: number;
  /** How long operations on moving keys were held. */
  readonly fencedMs: number;
  /** Source shards where the capture trigger could not be removed (drop `ig_rebalance_*` there). */
  readonly leftoverCapture: string[];
}

type Row = Record<string, unknown>;

/**
 * Adding a shard to a hash-sharded cluster (method in the README, "Rebalancing"):
 *
 * 1. **Plan**: list the distinct shard keys on every shard; the keys whose owner changes on the
 *    ring with the new shard move to it.
 * 2. **Capture**: on each source shard, a trigger logs the primary key of every change to a moving key.
 * 3. **Copy** (online, no lock): the moving keys' rows are upserted into the new shard in batches.
 * 4. **Catch up** (online): the log is replayed (current source row upserted, or deleted when gone)
 *    until a round is small.
 * 5. **Fence**: reads and writes of moving keys, and broadcasts, are held; running ones drain.
 *    The rest of the log is replayed, keys created during the move are copied, routing switches
 *    to the new ring, the moved rows are deleted from the sources, the fence opens. Held calls
 *    then run against the new shard: no write is lost and none lands on the old shard.
 *
 * Writes must go through this process's QueryDistributor (the fence lives in the router); see
 * the README for several processes.
 */
export class Rebalancer {
  readonly #o: Required<RebalancerOptions>;

  constructor(options: RebalancerOptions) {
    this.#o = {
      batchSize: 500,
      catchUpThreshold: 50,
      maxCatchUpRounds: 20,
      fenceTimeoutMs: 30_000,
      ...options,
    };
    if (options.manager.options.strategy !== 'hash') {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `rebalancing adds shards to a hash ring; strategy is '${options.manager.options.strategy}'`,
        {
          input: options.manager.options.strategy,
        },
      );
    }
  }

  /** Registers the new shard's pools (not routed yet) and computes which keys move to it. */
  async plan(newShard: ShardConfig | string): Promise<RebalancePlan> {
    const { manager, router } = this.#o;
    const id = typeof newShard === 'string' ? newShard : newShard.id;
    if (typeof newShard !== 'string' && !manager.shardIds.includes(id)) manager.addShard(newShard);
    manager.shard(id);
    const keys = new Set<string>();
    for (const shardId of router.shardIds) for (const k of await this.#distinctKeys(shardId)) keys.add(k);
    return planAddShard(
      { shardIds: router.shardIds, route: (k) => router.route(k) },
      id,
      keys,
      manager.options.virtualNodes,
    );
  }

  async execute(plan: RebalancePlan): Promise<RebalanceReport> {
    const { router, tables } = this.#o;
    const target = await this.#client(plan.newShardId);
    const sources = new Map<string, pg.PoolClient>();
    const copiers = new Map(tables.map((t) => [t.name, new RowCopier(t)]));
    const stats = {
      copiedRows: 0,
      replayedChanges: 0,
      catchUpRounds: 0,
      lateKeys: 0,
      deletedSourceRows: 0,
      fencedMs: 0,
    };
    let switched = false;
    let failure: unknown;
    // Keys first written during the move (not in the plan) that the new ring gives the new shard.
    const late = new Map<string, string[]>();
    try {
      for (const shardId of plan.moves.keys()) sources.set(shardId, await this.#client(shardId));
      // 2. capture, 3. copy
      for (const [shardId, keys] of plan.moves) {
        const source = sources.get(shardId)!;
        await installCapture(source, tables, keys);
        for (const copier of copiers.values()) {
          for await (const rows of copier.rowsOfKeys(source, keys, this.#o.batchSize))
            stats.copiedRows += await copier.upsert(target, rows);
        }
      }
      // 4. online catch-up
      for (let round = 0; round < this.#o.maxCatchUpRounds; round++) {
        stats.catchUpRounds++;
        let replayed = 0;
        for (const source of sources.values()) replayed += await this.#replay(source, target, copiers);
        stats.replayedChanges += replayed;
        if (replayed < this.#o.catchUpThreshold) break;
      }
      // 5. fenced switch
      const moving = (key: string): boolean => router.route(key) !== plan.strategy.route(key);
      const fencedAt = performance.now();
      await router.fence.close({ keys: moving, reads: true, broadcasts: true }, this.#o.fenceTimeoutMs);
      try {
        for (const source of sources.values())
          stats.replayedChanges += await this.#replay(source, target, copiers);
        for (const shardId of router.shardIds) {
          const planned = new Set(plan.moves.get(shardId) ?? []);
          const extra = (await this.#distinctKeys(shardId)).filter(
            (k) => !planned.has(k) && plan.strategy.route(k) === plan.newShardId,
          );
          if (extra.length > 0) late.set(shardId, extra);
        }
        for (const [shardId, keys] of late) {
          stats.lateKeys += keys.length;
          const source = sources.get(shardId) ?? (await this.#client(shardId));
          sources.set(shardId, source);
          for (const copier of copiers.values()) {
            for await (const rows of copier.rowsOfKeys(source, keys, this.#o.batchSize))
              stats.copiedRows += await copier.upsert(target, rows);
          }
        }
        // Reads of the moved keys may go to the new shard's replicas right after the switch: let
        // them replay the copy first, or a moved tenant would briefly look empty there.
        await this.#replicasSynced(plan.newShardId, Date.now());
        router.switchTo(plan.strategy, plan.shardIds);
        switched = true;
        for (const [shardId, source] of sources) {
          const keys = [...(plan.moves.get(shardId) ?? []), ...(late.get(shardId) ?? [])];
          await source.query('BEGIN');
          for (const copier of copiers.values())
            stats.deletedSourceRows += await copier.deleteKeys(source, keys);
          await source.query('COMMIT');
        }
      } finally {
        stats.fencedMs = performance.now() - fencedAt;
        router.fence.open();
      }
    } catch (error) {
      failure = error;
      if (!switched) {
        // Routing never changed: the sources are authoritative; drop the partial copy.
        for (const keys of [...plan.moves.values(), ...late.values()])
          for (const copier of copiers.values()) await copier.deleteKeys(target, keys).catch(() => {});
      }
    }
    const leftoverCapture = await this.#cleanup(sources);
    target.release();
    if (failure !== undefined) {
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `adding shard '${plan.newShardId}' failed ${switched ? 'after routing switched (moved rows may remain on the sources)' : 'before routing switched (nothing changed)'}`,
        {
          input: plan.newShardId,
          cause: failure,
          details: { switched, shardId: plan.newShardId, leftoverCapture },
        },
      );
    }
    return {
      newShardId: plan.newShardId,
      movedKeys: plan.movedKeys + stats.lateKeys,
      ...stats,
      leftoverCapture,
    };
  }

  /**
   * Removes the capture trigger and tables from every source (three attempts each: dropping a
   * trigger waits for the table's writers); returns the shards where that failed.
   */
  async #cleanup(sources: Map<string, pg.PoolClient>): Promise<string[]> {
    const leftovers: string[] = [];
    for (const [shardId, source] of sources) {
      await source.query('ROLLBACK').catch(() => {}); // in case a failure left a transaction open
      let removed = false;
      for (let attempt = 0; attempt < 3 && !removed; attempt++) {
        removed = await removeCapture(source, this.#o.tables).then(
          () => true,
          () => false,
        );
      }
      if (!removed) leftovers.push(shardId);
      source.release();
    }
    return leftovers;
  }

  /** Waits (bounded by `fenceTimeoutMs`) until every live replica of `shardId` has replayed what its primary had at `since`. */
  async #replicasSynced(shardId: string, since: number): Promise<void> {
    const { manager } = this.#o;
    const deadline = Date.now() + this.#o.fenceTimeoutMs;
    const pending = (): boolean =>
      manager
        .shard(shardId)
        .replicas.some((r) => r.health.status === 'up' && (r.health.syncedAt ?? 0) < since);
    while (pending() && Date.now() < deadline) {
      await manager.checkHealth();
      if (pending()) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Replays the capture log of one source shard onto the target; returns changes replayed. */
  async #replay(
    source: pg.ClientBase,
    target: pg.ClientBase,
    copiers: Map<string, RowCopier>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const entries = await readLog(source, this.#o.batchSize);
      if (entries.length === 0) return total;
      total += entries.length;
      const byTable = new Map<string, Array<Record<string, unknown>>>();
      for (const e of entries) byTable.set(e.tbl, [...(byTable.get(e.tbl) ?? []), e.pk]);
      for (const [table, pks] of byTable) {
        const copier = copiers.get(table);
        if (!copier) continue;
        const identity = (row: Row): string =>
          copier.table.primaryKey.map((c) => JSON.stringify(row[c])).join('\u0000');
        const current = await copier.currentRows(source, pks);
        const present = new Set(current.map(identity));
        await copier.upsert(target, current);
        await copier.deleteByPk(
          target,
          pks.filter((pk) => !present.has(identity(pk))),
        );
      }
      await deleteLogEntries(
        source,
        entries.map((e) => e.id),
      );
    }
  }

  async #distinctKeys(shardId: string): Promise<string[]> {
    const client = await this.#client(shardId);
    try {
      const keys = new Set<string>();
      for (const table of this.#o.tables)
        for (const k of await new RowCopier(table).distinctKeys(client)) keys.add(k);
      return [...keys];
    } finally {
      client.release();
    }
  }

  async #client(shardId: string): Promise<pg.PoolClient> {
    try {
      return await this.#o.manager.writer(shardId).pool.connect();
    } catch (error) {
      throw new IntelGraphError('SHARD_UNAVAILABLE', `shard '${shardId}' is unreachable for rebalancing`, {
        input: shardId,
        cause: error,
        details: { shardId },
      });
    }
  }
}
