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
import type { Storage } from '../storage/storage.js';

export interface ShardedEventStoreOptions {
  /** Schema of the store's tables on every shard; one per service (`entities_events`). */
  readonly schema: string;
}

/**
 * An `EventSourcingStore` on every shard (an aggregate's events live on its tenant's shard, next
 * to the rows they describe) and an `OutboxRelay` per shard moving them to the transport.
 *
 * `appendWith` is the write path of the subgraphs: it appends events (optimistic concurrency on
 * the aggregate version, outbox rows) **and** runs the caller's own statements — the entity row
 * update, the projection update — in the same transaction on the same shard. A change and its
 * event commit together or not at all (the transactional outbox), and a read model updated this
 * way is never behind its events.
 */
export class ShardedEventStore {
  readonly #storage: Storage;
  readonly #schema: string;
  readonly #stores = new Map<string, EventSourcingStore>();
  #relays: OutboxRelay[] = [];
  #relaying: { transport: Transport; registry: Registry; logger: Logger } | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(storage: Storage, options: ShardedEventStoreOptions) {
    this.#storage = storage;
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
    services: Pick<RuntimeServices, 'storage' | 'transport' | 'registry' | 'logger'>,
    options: ShardedEventStoreOptions,
  ): Promise<ShardedEventStore> {
    const store = new ShardedEventStore(services.storage, options);
    await store.migrate();
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
   */
  async appendWith<T>(
    db: TenantDb,
    events: readonly NewEvent[],
    options: AppendOptions,
    alongside: (tx: SqlQueryable, result: AppendResult) => Promise<T>,
  ): Promise<{ result: AppendResult; value: T | undefined }> {
    // The store runs on this transaction's connection: whether `append` issues one statement or
    // asks its executor for a transaction, everything lands in the one transaction opened here.
    return db.transaction(async (shardTx) => {
      const tx: SqlQueryable = { query: (text, values) => shardTx.query(text, values ?? []) };
      const executor: SqlExecutor = { query: tx.query, transaction: (work) => work(tx) };
      const result = await new EventSourcingStore(executor, { schema: this.#schema }).append(events, options);
      const value = result.duplicate ? undefined : await alongside(tx, result);
      return { result, value };
    });
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
