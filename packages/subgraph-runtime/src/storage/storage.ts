import {
  DEFAULTS,
  type FootprintTable,
  QueryDistributor,
  type Shard,
  type ShardConfig,
  ShardManager,
  ShardMap,
  ShardMapFollower,
  type ShardMapStore,
  ShardRouter,
} from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import type { Logger, Registry } from '@intelgraph/telemetry';
import { EmbeddedShards } from './embedded-shards.js';
import { type Migration, runMigrations } from './migrations.js';
import { loadShardMap } from './stored-shard-map.js';

export interface StorageOptions {
  readonly service: string;
  /** Real shards (`DATABASE_SHARDS`); when absent, embedded PGlite shards are started. */
  readonly shards?: readonly ShardConfig[];
  readonly embedded?: { readonly count: number; readonly dataDir: string };
  readonly migrations: readonly Migration[];
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** How long to wait at start for every shard primary to answer. Default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /** Pool size per primary and per replica. Default 10 (real shards), 4 (embedded: one backend each). */
  readonly poolMax?: number;
  /**
   * The stored shard map (`SHARD_MAP_URL`): loaded at start (initialised from `shards` when
   * empty, refused with `SHARD_MAP_MISMATCH` when `shards` disagrees), then followed. Unset with
   * real shards: `shards` is the map, static. Embedded shards keep their map in a PGlite
   * database of its own when this is unset.
   */
  readonly shardMapUrl?: string;
  /** Interval of the map follower's version poll. Default 1000 ms. */
  readonly shardMapPollMs?: number;
}

/** The sharded database of one subgraph: manager (pools, health), router (key → shard), distributor (SQL). */
export interface Storage {
  readonly mode: 'external' | 'embedded';
  readonly manager: ShardManager;
  readonly router: ShardRouter;
  readonly distributor: QueryDistributor;
  /** Connection strings of the shards' primaries at start (for seeding; the map may add more). */
  readonly shards: readonly ShardConfig[];
  /** Follows the stored shard map (undefined when `shards` is the map). */
  readonly mapFollower: ShardMapFollower | undefined;
  /**
   * Runs `listener` for each shard the map adds at run time, after the service's migrations ran
   * there and before any tenant is routed to it (the event store starts its relay there).
   * Returns an unsubscribe.
   */
  onShardAdded(listener: (shard: Shard) => Promise<void>): () => void;
  /**
   * Runs `listener` for each version of the stored map applied after the first, once routing
   * follows it and before the instance reports it applied (so a move's wait for every live
   * instance waits for the listeners too), with the version routed by until then. Never runs
   * without a stored map. Returns an unsubscribe.
   */
  onMapApplied(listener: (map: ShardMap, previous: ShardMap) => Promise<void>): () => void;
  /**
   * Registers sharded tables of the service in the stored map's footprint (what a tenant move
   * copies). A no-op without a stored map.
   */
  registerFootprint(tables: readonly Omit<FootprintTable, 'service'>[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Opens the shards (starting embedded ones first if none are configured), waits for the first
 * health round, then runs the service's migrations on every shard.
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  let embedded: EmbeddedShards | undefined;
  let shards = options.shards ?? [];
  // No shards and no map: embedded PGlite shards. No shards but a map: the map names them.
  if (shards.length === 0 && options.shardMapUrl === undefined) {
    embedded = new EmbeddedShards({
      count: options.embedded?.count ?? 2,
      dataDir: options.embedded?.dataDir ?? 'memory',
      service: options.service,
      withShardMap: options.shardMapUrl === undefined,
    });
    shards = await embedded.start();
    options.logger?.info(
      { shards: shards.map((s) => s.id), dataDir: options.embedded?.dataDir ?? 'memory' },
      'DATABASE_SHARDS unset: serving embedded PGlite shards on loopback',
    );
  }
  const mapUrl = options.shardMapUrl ?? embedded?.shardMapUrl;
  let store: ShardMapStore | undefined;
  let manager: ShardManager | undefined;
  let follower: ShardMapFollower | undefined;
  try {
    // The stored map first: a disagreeing DATABASE_SHARDS is refused before anything is written.
    const stored = mapUrl
      ? await loadShardMap({
          url: mapUrl,
          configured: shards,
          embedded: embedded !== undefined,
          virtualNodes: DEFAULTS.virtualNodes,
          ...(options.logger ? { logger: options.logger } : {}),
        })
      : undefined;
    store = stored?.store;
    if (!stored && shards.length === 0)
      throw new IntelGraphError('CONFIG_INVALID', 'no shards: set DATABASE_SHARDS or SHARD_MAP_URL');
    if (!mapUrl)
      options.logger?.warn(
        'SHARD_MAP_URL unset: DATABASE_SHARDS is the shard map, not checked against other instances nor followed',
      );
    const poolMax = options.poolMax ?? (embedded ? 4 : 10);
    manager = new ShardManager({
      strategy: 'hash',
      shards: stored ? stored.snapshot.shards : shards,
      virtualNodes: stored?.snapshot.virtualNodes ?? DEFAULTS.virtualNodes,
      pool: { primaryMax: poolMax, replicaMax: poolMax },
      // One single-threaded backend per embedded shard: a probe queued behind a burst of statements
      // on a busy machine must not be mistaken for a dead server.
      ...(embedded ? { health: { timeoutMs: 5000 } } : {}),
      ...(options.registry ? { metrics: { registry: options.registry } } : {}),
    });
    await manager.start();
    await waitForPrimaries(manager, options.startTimeoutMs ?? 30_000, options.logger);
    const router = new ShardRouter(manager);
    if (stored) router.applyMap(new ShardMap(stored.snapshot));
    const distributor = new QueryDistributor(manager, router);
    const applied = await runMigrations(manager, options.service, options.migrations);
    options.logger?.info({ applied: Object.fromEntries(applied) }, 'migrations applied on every shard');
    const listeners = new Set<(shard: Shard) => Promise<void>>();
    const mapListeners = new Set<(map: ShardMap, previous: ShardMap) => Promise<void>>();
    if (store && stored) {
      const m = manager;
      follower = new ShardMapFollower({
        store,
        manager: m,
        router,
        service: options.service,
        ...(options.shardMapPollMs !== undefined ? { pollIntervalMs: options.shardMapPollMs } : {}),
        onShardAdded: async (shard) => {
          await runMigrations(m, options.service, options.migrations, [shard.id]);
          for (const listener of listeners) await listener(shard);
          options.logger?.info({ shardId: shard.id }, 'shard added by the stored shard map');
        },
        onApplied: async (map, previous) => {
          for (const listener of mapListeners) await listener(map, previous);
        },
      });
      follower.on('applied', (map) =>
        options.logger?.info({ version: map.version, shards: map.shardIds }, 'shard map applied'),
      );
      follower.on('error', (error) => options.logger?.warn({ err: error }, 'shard map follower'));
      await follower.start(stored.snapshot);
    }
    const allShards = shards;
    const m = manager;
    const s = store;
    const f = follower;
    return {
      mode: embedded ? 'embedded' : 'external',
      manager: m,
      router,
      distributor,
      shards: allShards,
      mapFollower: f,
      onShardAdded(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onMapApplied(listener) {
        mapListeners.add(listener);
        return () => mapListeners.delete(listener);
      },
      async registerFootprint(tables) {
        await s?.registerFootprint(options.service, tables);
      },
      async stop() {
        await f?.stop();
        await s?.close();
        await m.stop();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await follower?.stop().catch(() => {});
    await store?.close();
    await manager?.stop().catch(() => {});
    await embedded?.stop();
    throw error;
  }
}

/**
 * A shard primary that does not answer the first health probe (a database still starting, a
 * machine busy starting three services at once) is retried until `timeoutMs` rather than failing
 * the service at once; past it, start fails with `SHARD_UNAVAILABLE` naming the shard.
 */
async function waitForPrimaries(
  manager: ShardManager,
  timeoutMs: number,
  logger: Logger | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const down = manager.shards.filter((s) => s.primary.health.status === 'down');
    if (down.length === 0) return;
    if (Date.now() > deadline) {
      manager.writer(down[0]!.id); // throws SHARD_UNAVAILABLE naming the shard and the cause
      return;
    }
    logger?.warn({ shards: down.map((s) => s.id) }, 'waiting for shard primaries to answer');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await manager.checkHealth();
  }
}
