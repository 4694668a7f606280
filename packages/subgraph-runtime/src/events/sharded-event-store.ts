import { assertTag, INVALIDATES_METADATA, INVALIDATION_TOPIC } from '@intelgraph/advanced-caching';
import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import {
  type AppendOptions,
  type AppendResult,
  EventSourcingStore,
  type NewEvent,
  OutboxRelay,
  type SqlExecutor,
  type SqlQueryable,
  type Transport,
} from '@intelgraph/message-queue-enhanced';
import type { Logger, Registry } from '@intelgraph/telemetry';
import type { TenantDb } from '../context/tenant-db.js';
import type { RuntimeServices } from '../runtime-services.js';
import { replicaSettleMs } from '../storage/replica-settle.js';
import type { Storage } from '../storage/storage.js';
import { invalidateAfterCommit } from './invalidate-after-commit.js';

export interface ShardedEventStoreOptions {
  /** Schema of the store's tables on every shard; one per service (`entities_events`). */
  readonly schema: string;
}

/** The request a write is made for (a subgraph's context fits it). */
export interface WriteRequest {
  /** The request's tenant's database: the write is routed, counted and recorded for read-your-writes. */
  readonly db: TenantDb;
  /** Who writes: recorded in every event's metadata (`tenantId`, `userId`). */
  readonly identity: Identity;
  readonly requestId: string;
  /** The request's loaders: their memo is dropped after the write, so later reads in it see it. */
  readonly registry?: { clearAll(): void };
}

export interface WriteOptions extends AppendOptions {
  /**
   * The cache tags the write invalidates: `invalidationTags({ tenant, objects, sets })` from
   * `@intelgraph/advanced-caching` (`Entity:<id>` for a changed entity, the tenant's set tags of
   * a type whose set changed). `[]` when the write changes nothing any cache holds. Required, so
   * that no write can forget its invalidation.
   */
  readonly invalidates: readonly string[];
}

/**
 * An `EventSourcingStore` on every shard (an aggregate's events live on its tenant's shard, next
 * to the rows they describe) and an `OutboxRelay` per shard moving them to the transport.
 *
 * `append` is the write path of the subgraphs: it appends events (optimistic concurrency on the
 * aggregate version, outbox rows) **and** runs the caller's own statements — the entity row
 * update, the projection update — in the same transaction on the same shard. A change and its
 * event commit together or not at all (the transactional outbox), and a read model updated this
 * way is never behind its events. The write declares the cache tags it invalidates: they travel
 * in every event's metadata (to the gateway's caches and the CDN, through the invalidation
 * topic), and the subgraph's own loader cache is invalidated once the transaction committed.
 */
export class ShardedEventStore {
  readonly #storage: Storage;
  readonly #cache: RuntimeServices['cache'] | undefined;
  readonly #schema: string;
  readonly #stores = new Map<string, EventSourcingStore>();
  #relays: OutboxRelay[] = [];
  #relaying: { transport: Transport; registry: Registry; logger: Logger } | undefined;
  #unsubscribe: (() => void) | undefined;

  /**
   * `cache`: the service's cache, whose loader entries a write invalidates after its commit
   * (`start` passes the service's). Without it (seeding, projection rebuilds) only the events
   * carry the tags.
   */
  constructor(storage: Storage, options: ShardedEventStoreOptions, cache?: RuntimeServices['cache']) {
    this.#storage = storage;
    this.#cache = cache;
    this.#schema = options.schema;
    for (const shard of storage.manager.shards) this.#addStore(shard.id);
  }

  #addStore(shardId: string): EventSourcingStore {
    // Embedded shards serve every connection from one PGlite session, where a statement name
    // prepared on one connection already exists for the next: plain text there.
    const preparedStatements = this.#storage.mode !== 'embedded';
    const store = new EventSourcingStore(this.#storage.manager.shard(shardId).primary.pool, {
      schema: this.#schema,
      preparedStatements,
    });
    this.#stores.set(shardId, store);
    return store;
  }

  /**
   * A subgraph's event store as its `setup` needs it: the tables created on every shard, and one
   * outbox relay per shard publishing to the service's transport. Stop it with `stop()` (the
   * subgraph's own `stop`).
   */
  static async start(
    services: Pick<RuntimeServices, 'storage' | 'cache' | 'transport' | 'registry' | 'logger'>,
    options: ShardedEventStoreOptions,
  ): Promise<ShardedEventStore> {
    const store = new ShardedEventStore(services.storage, options, services.cache);
    await store.migrate();
    // What a tenant move copies of the store: an aggregate's id is routable (`<tenant>[:…]`),
    // and so is the outbox's message key (the aggregate id).
    const s = options.schema;
    await services.storage.registerFootprint([
      { table: `${s}.streams`, kind: 'streams', keyColumn: 'aggregate_id', primaryKey: ['aggregate_id'] },
      { table: `${s}.events`, kind: 'events', keyColumn: 'aggregate_id', primaryKey: ['event_id'] },
      { table: `${s}.snapshots`, kind: 'snapshots', keyColumn: 'aggregate_id', primaryKey: ['aggregate_id'] },
      { table: `${s}.outbox`, kind: 'outbox', keyColumn: 'message_key', primaryKey: ['id'] },
    ]);
    await store.startRelays(services.transport, services.registry, services.logger);
    // A shard the stored map adds at run time gets the tables and a relay before any tenant is
    // routed to it.
    store.#unsubscribe = services.storage.onShardAdded(async (shard) => {
      if (store.#stores.has(shard.id)) return;
      await store.#addStore(shard.id).migrate();
      if (store.#relaying) await store.#startRelay(shard.id);
    });
    return store;
  }

  /** Creates the store's tables on every shard (idempotent). */
  async migrate(): Promise<void> {
    for (const store of this.#stores.values()) await store.migrate();
  }

  /** The store holding `tenantId`'s aggregates (reads: `readStream`, `replay`, `readAll`). */
  storeOf(tenantId: string): EventSourcingStore {
    return this.#stores.get(this.#storage.router.route(tenantId))!;
  }

  /** Every shard's store (projection rebuilds). */
  get stores(): ReadonlyMap<string, EventSourcingStore> {
    return this.#stores;
  }

  /**
   * Appends `events` for one aggregate of the request's tenant and, in the same transaction, runs
   * `alongside(tx, result)` — unless the append was a duplicate (same event ids: an idempotent
   * retry), in which case nothing else runs and `value` is undefined. Runs through the request's
   * `TenantDb`, so the write is routed by its tenant, counted like every statement, and recorded
   * for read-your-writes (the caller's next read never hits a replica that has not replayed it).
   *
   * Every event's metadata gets who wrote (`tenantId`, `userId`, `requestId`) and the tags the
   * write invalidates (`invalidates`); an event that invalidates something is also published on
   * `INVALIDATION_TOPIC`, which the caches' consumers read. After the commit, the request's
   * loader memo is dropped and the service's cache invalidated by those tags (again once the
   * replicas reads may go to have replayed the write: a read another caller made meanwhile on a
   * lagging replica stores nothing that outlives the lag).
   */
  async append<T = undefined>(
    request: WriteRequest,
    events: readonly NewEvent[],
    options: WriteOptions,
    alongside?: (tx: SqlQueryable, result: AppendResult) => Promise<T>,
  ): Promise<{ result: AppendResult; value: T | undefined }> {
    const { invalidates, ...appendOptions } = options;
    if (!Array.isArray(invalidates))
      throw new IntelGraphError(
        'EVENT_INVALID',
        'append needs `invalidates`: the cache tags the write invalidates (invalidationTags(…), or [] for none)',
        { input: invalidates },
      );
    const tags = [...new Set(invalidates)];
    for (const tag of tags) assertTag(tag);
    const who = {
      tenantId: request.identity.tenantId,
      userId: request.identity.userId ?? null,
      requestId: request.requestId,
    };
    const stamped = events.map((e) => ({
      ...e,
      metadata: { ...e.metadata, ...who, [INVALIDATES_METADATA]: tags },
    }));
    const topics = (e: NewEvent): string | readonly string[] =>
      tags.length > 0 ? [e.aggregateType, INVALIDATION_TOPIC] : e.aggregateType;
    // The store runs on this transaction's connection: whether `append` issues one statement or
    // asks its executor for a transaction, everything lands in the one transaction opened here.
    const outcome = await request.db.transaction(async (shardTx) => {
      const tx: SqlQueryable = { query: (text, values) => shardTx.query(text, values ?? []) };
      const executor: SqlExecutor = { query: tx.query, transaction: (work) => work(tx) };
      const result = await new EventSourcingStore(executor, {
        schema: this.#schema,
        outbox: { topic: topics },
      }).append(stamped, appendOptions);
      const value = result.duplicate || !alongside ? undefined : await alongside(tx, result);
      return { result, value };
    });
    request.registry?.clearAll();
    if (this.#cache && tags.length > 0)
      await invalidateAfterCommit(this.#cache, tags, {
        againAfterMs: replicaSettleMs(this.#storage.manager),
      });
    return outcome;
  }

  /** Starts one outbox relay per shard, publishing to `transport`. */
  async startRelays(transport: Transport, registry: Registry, logger: Logger): Promise<void> {
    this.#relaying = { transport, registry, logger };
    for (const shardId of this.#stores.keys()) await this.#startRelay(shardId);
  }

  async #startRelay(shardId: string): Promise<void> {
    const { transport, registry, logger } = this.#relaying!;
    const relay = new OutboxRelay({
      database: this.#storage.manager.shard(shardId).primary.pool,
      transport,
      schema: this.#schema,
      metrics: registry,
      shard: shardId,
      onError: (error) => logger.warn({ err: error, shardId }, 'outbox relay round failed'),
    });
    await relay.start();
    this.#relays.push(relay);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    const relays = this.#relays;
    this.#relays = [];
    await Promise.all(relays.map((r) => r.stop()));
  }
}
