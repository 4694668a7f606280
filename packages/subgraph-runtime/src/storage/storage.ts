import { QueryDistributor, type ShardConfig, ShardManager, ShardRouter } from '@intelgraph/database-sharding';
import type { Logger, Registry } from '@intelgraph/telemetry';
import { EmbeddedShards } from './embedded-shards.js';
import { type Migration, runMigrations } from './migrations.js';

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
}

/** The sharded database of one subgraph: manager (pools, health), router (key → shard), distributor (SQL). */
export interface Storage {
  readonly mode: 'external' | 'embedded';
  readonly manager: ShardManager;
  readonly router: ShardRouter;
  readonly distributor: QueryDistributor;
  /** Connection strings of the shards' primaries (for the event store and seeding). */
  readonly shards: readonly ShardConfig[];
  stop(): Promise<void>;
}

/**
 * Opens the shards (starting embedded ones first if none are configured), waits for the first
 * health round, then runs the service's migrations on every shard.
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  let embedded: EmbeddedShards | undefined;
  let shards = options.shards;
  if (shards === undefined || shards.length === 0) {
    embedded = new EmbeddedShards({
      count: options.embedded?.count ?? 2,
      dataDir: options.embedded?.dataDir ?? 'memory',
      service: options.service,
    });
    shards = await embedded.start();
    options.logger?.info(
      { shards: shards.map((s) => s.id), dataDir: options.embedded?.dataDir ?? 'memory' },
      'DATABASE_SHARDS unset: serving embedded PGlite shards on loopback',
    );
  }
  const poolMax = options.poolMax ?? (embedded ? 4 : 10);
  const manager = new ShardManager({
    strategy: 'hash',
    shards,
    pool: { primaryMax: poolMax, replicaMax: poolMax },
    // One single-threaded backend per embedded shard: a probe queued behind a burst of statements
    // on a busy machine must not be mistaken for a dead server.
    ...(embedded ? { health: { timeoutMs: 5000 } } : {}),
    ...(options.registry ? { metrics: { registry: options.registry } } : {}),
  });
  try {
    await manager.start();
    await waitForPrimaries(manager, options.startTimeoutMs ?? 30_000, options.logger);
    const router = new ShardRouter(manager);
    const distributor = new QueryDistributor(manager, router);
    const applied = await runMigrations(manager, options.service, options.migrations);
    options.logger?.info({ applied: Object.fromEntries(applied) }, 'migrations applied on every shard');
    const allShards = shards;
    return {
      mode: embedded ? 'embedded' : 'external',
      manager,
      router,
      distributor,
      shards: allShards,
      async stop() {
        await manager.stop();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await manager.stop().catch(() => {});
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
