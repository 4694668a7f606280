import { IntelGraphError } from '@intelgraph/errors';
import type { ShardRouter } from '../routing/shard-router.js';
import type { ShardManager } from '../shard-manager.js';
import type { RouteHint, ShardKey } from '../strategies/sharding-strategy.js';
import { keyString } from '../strategies/sharding-strategy.js';
import { planMerge } from './merge-plan.js';
import { mergeResults, shardSql } from './merge-results.js';
import type { MergeSpec } from './merge-spec.js';
import { mustDiscard, NodeExecutor, type StatementResult } from './node-executor.js';
import { NodeReader, shardResult } from './node-reader.js';
import {
  checkSql,
  type QueryContext,
  routeHint,
  type ShardQuery,
  type ShardQueryResult,
  shardKeyOf,
} from './query-context.js';
import { QueryEvents, type QueryListener } from './query-events.js';
import { ReadYourWrites } from './read-your-writes.js';
import { ShardTransaction } from './shard-transaction.js';

export interface BroadcastQuery {
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** Broadcasts are reads: `readonly: false` is refused (`SHARD_CROSS_SHARD_WRITE`). */
  readonly context?: Omit<QueryContext, 'shardKey'>;
  readonly merge?: MergeSpec;
  /** Per-shard deadline in ms. Default 10000. */
  readonly timeoutMs?: number;
  /** `fail` (default): any failing shard fails the call. `partial`: rows of the others plus `errors`. */
  readonly onShardError?: 'fail' | 'partial';
}

export interface ShardFailure {
  readonly shardId: string;
  readonly error: IntelGraphError;
}

export interface BroadcastResult<R> {
  readonly rows: R[];
  /** Shards that answered. */
  readonly shards: string[];
  /** Shards that failed (only with `onShardError: 'partial'`). */
  readonly errors: ShardFailure[];
}

const DEFAULT_BROADCAST_TIMEOUT_MS = 10_000;

export interface QueryDistributorOptions {
  /**
   * How long a write of a tenant in a move's cut-over (the stored map's placement is `fenced`)
   * waits for the move to switch before failing with `TENANT_MOVING`. Default 750 ms.
   */
  readonly fenceWaitMs?: number;
}

/**
 * Runs SQL on the right shard(s): `executeOnShard` on one shard (replica for reads when fresh
 * enough), `transaction` on one shard's primary, `broadcast` on every shard in parallel with a
 * merge. SQL is always parameterized; identifiers generated here are quoted.
 */
export class QueryDistributor {
  readonly manager: ShardManager;
  readonly router: ShardRouter;
  readonly #events = new QueryEvents();
  readonly #executor: NodeExecutor;
  readonly #ryw = new ReadYourWrites();
  readonly #reader: NodeReader;
  readonly #fenceWaitMs: number;

  constructor(manager: ShardManager, router: ShardRouter, options: QueryDistributorOptions = {}) {
    this.manager = manager;
    this.router = router;
    this.#fenceWaitMs = options.fenceWaitMs ?? 750;
    this.#executor = new NodeExecutor(manager.metrics, this.#events);
    this.#reader = new NodeReader(manager, this.#executor);
  }

  /** Observes every statement (shard, node, primary/replica, duration, error). Returns an unsubscribe. */
  onQuery(listener: QueryListener): () => void {
    return this.#events.on(listener);
  }

  /**
   * One statement on the shard owning `context.shardKey`. A write of a tenant in a move's
   * cut-over waits for the switch (≤ `fenceWaitMs`); one refused by the source's SQL fence (this
   * instance's map was behind) runs again once the map moved on.
   */
  async executeOnShard<R = Record<string, unknown>>(query: ShardQuery): Promise<ShardQueryResult<R>> {
    try {
      return await this.#executeOnShard<R>(query);
    } catch (error) {
      if (!IntelGraphError.is(error, 'TENANT_MOVING') || query.context.readonly === true || !this.router.map)
        throw error;
      await this.router.nextMap(this.#fenceWaitMs);
      return this.#executeOnShard<R>(query);
    }
  }

  async #executeOnShard<R>(query: ShardQuery): Promise<ShardQueryResult<R>> {
    checkSql(query.sql, query.params);
    const { context } = query;
    const readonly = context.readonly === true;
    const hint = routeHint(context);
    const keys = context.shardKeys?.length ? context.shardKeys : [shardKeyOf(context)];
    if (!readonly && this.router.map) for (const key of keys) await this.#writable(key);
    const entered = keys.length === 1 ? this.#enterOne(keys[0]!, !readonly) : this.#enterAll(keys, !readonly);
    // Awaiting only when the fence holds the call keeps the common path free of an extra tick.
    const release = typeof entered === 'function' ? entered : await entered;
    try {
      const shardId = this.#singleShard(keys, readonly, hint);
      const params = query.params ?? [];
      const options = {
        operation: 'executeOnShard' as const,
        ...(query.timeoutMs !== undefined ? { timeoutMs: query.timeoutMs } : {}),
      };
      const session = context.session ?? context;
      if (readonly)
        return await this.#reader.read<R>(
          shardId,
          query.sql,
          params,
          options,
          this.#ryw.writtenAt(session, shardId),
        );
      const node = this.manager.writer(shardId);
      const client = await this.#executor.connect(node);
      try {
        const result = await this.#executor.run<R>(node, client, query.sql, params, options);
        // Read-your-writes only matters where a replica could serve the next read.
        if (this.manager.shard(shardId).replicas.length > 0)
          this.#ryw.record(session, shardId, { at: Date.now() });
        client.release();
        return shardResult(result, node);
      } catch (error) {
        client.release(mustDiscard(error) ? (error as Error) : undefined);
        throw error;
      }
    } finally {
      release();
    }
  }

  /**
   * `fn` inside BEGIN … COMMIT on the primary of the shard owning `shardKey` (ROLLBACK if it
   * throws). `tx.query` may name another key: one that routes to a different shard is refused.
   */
  async transaction<T>(
    shardKey: ShardKey,
    fn: (tx: ShardTransaction) => Promise<T>,
    context: Omit<QueryContext, 'shardKey'> = {},
  ): Promise<T> {
    const ctx: QueryContext = { ...context, shardKey };
    const key = shardKeyOf(ctx);
    if (this.router.map) await this.#writable(key);
    const release = await this.router.fence.enter(keyString(key), true);
    try {
      const hint = routeHint(ctx);
      const shardId = this.router.route(key, hint);
      const node = this.manager.writer(shardId);
      const client = await this.#executor.connect(node);
      const tx = new ShardTransaction(shardId, node, client, this.#executor, (k) =>
        this.router.route(k, hint),
      );
      let discard: Error | undefined;
      try {
        await tx.begin();
        const value = await fn(tx);
        // Without a session nothing could look this write up again (ctx is new): skip it.
        const tracked = context.session !== undefined && this.manager.shard(shardId).replicas.length > 0;
        const lsn = await tx.commit({ returnLsn: tracked });
        if (tracked) this.#ryw.record(context.session!, shardId, { at: Date.now(), lsn });
        return value;
      } catch (error) {
        if (mustDiscard(error)) discard = error as Error;
        else await tx.rollback().catch((e: unknown) => (discard = e as Error));
        throw error;
      } finally {
        client.release(discard);
      }
    } finally {
      release();
    }
  }

  /** Every shard in parallel, each with a deadline; rows merged per `merge`. */
  async broadcast<R = Record<string, unknown>>(query: BroadcastQuery): Promise<BroadcastResult<R>> {
    checkSql(query.sql, query.params);
    if (query.context?.readonly === false) {
      throw new IntelGraphError(
        'SHARD_CROSS_SHARD_WRITE',
        'broadcast runs reads only: a write on every shard cannot be atomic',
        {
          input: query.sql,
        },
      );
    }
    // Refused before anything runs: a merge that could differ from one database's answer.
    const merge = planMerge(query.sql, query.merge);
    const release = await this.router.fence.enter(undefined, false, true);
    try {
      const shardIds = [...this.router.shardIds];
      const { sql, params } = shardSql(query.sql, query.params ?? [], merge);
      const timeoutMs = query.timeoutMs ?? DEFAULT_BROADCAST_TIMEOUT_MS;
      const session = query.context?.session ?? query.context;
      const settled = await Promise.allSettled(
        shardIds.map((id) =>
          this.#reader.read<Record<string, unknown>>(
            id,
            sql,
            params,
            { operation: 'broadcast', timeoutMs },
            this.#ryw.writtenAt(session, id),
            false,
          ),
        ),
      );
      const answered: Array<{ id: string; result: StatementResult<Record<string, unknown>> }> = [];
      const errors: ShardFailure[] = [];
      settled.forEach((s, i) => {
        const shardId = shardIds[i]!;
        if (s.status === 'fulfilled') answered.push({ id: shardId, result: s.value });
        else errors.push({ shardId, error: toShardError(shardId, s.reason) });
      });
      if (errors.length > 0 && query.onShardError !== 'partial') {
        throw new IntelGraphError(
          'SHARD_BROADCAST_FAILED',
          `broadcast failed on ${errors.map((e) => `'${e.shardId}' (${e.error.code})`).join(', ')}`,
          {
            input: query.sql,
            cause: errors[0]!.error,
            details: {
              failedShards: errors.map((e) => ({
                shardId: e.shardId,
                code: e.error.code,
                message: e.error.message,
              })),
            },
          },
        );
      }
      const rows = mergeResults(
        answered.map((a) => a.result),
        merge,
      ) as R[];
      return { rows, shards: answered.map((a) => a.id), errors };
    } finally {
      release();
    }
  }

  /**
   * Runs `sql` on every primary, one shard after another (schema migrations, maintenance). Not
   * atomic across shards, by design and by name: use idempotent statements.
   */
  async eachShard(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<Map<string, StatementResult<Record<string, unknown>>>> {
    checkSql(sql, params);
    const out = new Map<string, StatementResult<Record<string, unknown>>>();
    for (const shard of this.manager.shards) {
      out.set(
        shard.id,
        await this.#executor.execute(this.manager.writer(shard.id), sql, params, { operation: 'eachShard' }),
      );
    }
    return out;
  }

  /**
   * Holds a write while the stored map says the key's tenant is in a move's cut-over, until the
   * map moves on (the switch), for at most `fenceWaitMs`; then `TENANT_MOVING` (retryable).
   */
  async #writable(key: ShardKey): Promise<void> {
    let placement = this.router.placement(key);
    if (placement?.state !== 'fenced') return;
    const deadline = performance.now() + this.#fenceWaitMs;
    while (placement?.state === 'fenced') {
      const left = deadline - performance.now();
      if (left <= 0 || !(await this.router.nextMap(left))) {
        throw new IntelGraphError(
          'TENANT_MOVING',
          `tenant '${keyString(key)}' is being moved to shard '${placement.targetShardId}': its writes are held for the cut-over; retry`,
          {
            input: keyString(key),
            details: { tenant: placement.tenant, moveId: placement.moveId, shardId: placement.shardId },
          },
        );
      }
      placement = this.router.placement(key);
    }
  }

  /** Enters the rebalancing fence for one key: synchronously unless the fence holds it. */
  #enterOne(key: ShardKey, write: boolean): (() => void) | Promise<() => void> {
    const k = keyString(key);
    return this.router.fence.tryEnter(k, write) ?? this.router.fence.enter(k, write);
  }

  /** Enters the fence for every key of a multi-key call (any of them may be moving). */
  async #enterAll(keys: readonly ShardKey[], write: boolean): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const key of keys) releases.push(await this.#enterOne(key, write));
    return () => {
      for (const r of releases) r();
    };
  }

  #singleShard(keys: readonly ShardKey[], readonly: boolean, hint: RouteHint | undefined): string {
    if (keys.length === 1) return this.router.route(keys[0]!, hint);
    const shards = new Set(keys.map((k) => this.router.route(k, hint)));
    if (shards.size > 1) {
      throw new IntelGraphError(
        readonly ? 'SHARD_KEY_REQUIRED' : 'SHARD_CROSS_SHARD_WRITE',
        readonly
          ? `keys span shards ${[...shards].join(', ')}: executeOnShard needs keys of one shard (use routeMany or broadcast)`
          : `a write would span shards ${[...shards].join(', ')}; refused before anything was written`,
        { input: keys, details: { shardIds: [...shards] } },
      );
    }
    return [...shards][0]!;
  }
}

function toShardError(shardId: string, error: unknown): IntelGraphError {
  if (IntelGraphError.is(error)) return error;
  return new IntelGraphError('SHARD_UNAVAILABLE', `shard '${shardId}': ${(error as Error)?.message}`, {
    cause: error,
    details: { shardId },
  });
}
