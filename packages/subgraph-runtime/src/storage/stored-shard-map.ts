import {
  assertShardMapAgreement,
  comparableUrl,
  type ShardConfig,
  type ShardMapSnapshot,
  ShardMapStore,
} from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import type { Logger } from '@intelgraph/telemetry';

/**
 * Loads the stored shard map a service starts on. An empty map store is initialised from the
 * configured shards (`DATABASE_SHARDS`, or the embedded ones); a stored map must agree with them,
 * else `SHARD_MAP_MISMATCH` — thrown before the service writes anything (its migrations run
 * after this). Embedded shards are compared by id only (their loopback ports change at every
 * start) and their new addresses are recorded.
 */
export async function loadShardMap(options: {
  readonly url: string;
  readonly configured: readonly ShardConfig[];
  readonly embedded: boolean;
  readonly virtualNodes: number;
  readonly logger?: Logger;
}): Promise<{ store: ShardMapStore; snapshot: ShardMapSnapshot }> {
  const store = new ShardMapStore({ url: options.url });
  try {
    await store.migrate();
    let snapshot = await store.load();
    if (!snapshot) {
      if (options.configured.length === 0)
        throw new IntelGraphError(
          'SHARD_MAP_UNAVAILABLE',
          'the shard map database holds no map and DATABASE_SHARDS is unset: set DATABASE_SHARDS once to initialise it (or run `intelgraph-shards init`)',
        );
      snapshot = await store.initialize({ virtualNodes: options.virtualNodes, shards: options.configured });
      options.logger?.info(
        { version: snapshot.version, shards: snapshot.shards.map((s) => s.id) },
        'shard map initialised',
      );
      return { store, snapshot };
    }
    if (options.configured.length > 0) {
      assertShardMapAgreement(snapshot, options.configured, {
        variable: options.embedded ? 'EMBEDDED_SHARDS' : 'DATABASE_SHARDS',
        compareUrls: !options.embedded,
      });
    }
    if (options.embedded) {
      const moved = options.configured.filter(
        (c) =>
          comparableUrl(c.primary) !== comparableUrl(snapshot!.shards.find((s) => s.id === c.id)!.primary),
      );
      if (moved.length > 0)
        snapshot = await store.change('embedded shard addresses', async (change) => {
          for (const c of moved) await change.setPrimary(c.id, c.primary);
        });
    }
    return { store, snapshot };
  } catch (error) {
    await store.close();
    throw error;
  }
}
