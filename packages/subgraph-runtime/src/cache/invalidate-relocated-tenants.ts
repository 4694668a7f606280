import { type MultiTierCache, tenantTag } from '@intelgraph/advanced-caching';
import { relocatedTenants } from '@intelgraph/database-sharding';
import type { Logger } from '@intelgraph/telemetry';
import type { Storage } from '../storage/storage.js';

/**
 * When the stored shard map this instance follows moves tenants to other shards (a move's
 * switch; any version whose `relocatedTenants` against the one routed by until then is not
 * empty), invalidates each such tenant's tag (`@tenant:<id>`, which every loader entry of the
 * tenant carries) in the service's cache: a version bump, on every tier and instance. Every
 * instance does it when it applies the version, after its routing switched and before it reports
 * the version applied, so once a move has switched (it waits for every live instance) no instance
 * serves an entry read before the switch. Other tenants' entries stay. Loaders are made per
 * request: no memo outlives one. Returns an unsubscribe (a no-op without a stored map).
 */
export function invalidateRelocatedTenants(
  storage: Storage,
  cache: MultiTierCache,
  logger: Logger,
): () => void {
  return storage.onMapApplied(async (map, previous) => {
    const tenants = relocatedTenants(previous, map);
    if (tenants.length === 0) return;
    const tags: string[] = [];
    const untagged: string[] = [];
    for (const tenant of tenants) {
      const tag = tenantTag(tenant);
      if (tag) tags.push(tag);
      // No loader caches a tenant that cannot form a tag (rowByIdLoader): nothing to forget.
      else untagged.push(tenant);
    }
    await cache.invalidateByTag(tags);
    logger.info(
      {
        tenants,
        version: map.version,
        previousVersion: previous.version,
        shards: Object.fromEntries(tenants.map((t) => [t, { from: previous.route(t), to: map.route(t) }])),
        ...(untagged.length > 0 ? { untagged } : {}),
      },
      `shard map version ${map.version} moved ${tenants.length} tenant(s) to another shard: their cache entries invalidated`,
    );
  });
}
