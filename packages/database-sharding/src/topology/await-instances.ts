import type { ShardMapStore } from './shard-map-store.js';

/**
 * Waits until every live instance (seen within `liveWithinMs`) has applied map `version`, for
 * at most `timeoutMs`; returns the instances still behind (empty: all applied it).
 */
export async function awaitInstances(
  store: ShardMapStore,
  version: number,
  options: { timeoutMs: number; liveWithinMs?: number; pollMs?: number },
): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const live = await store.liveInstances(options.liveWithinMs ?? 15_000);
    const behind = live.filter((i) => i.appliedVersion < version).map((i) => i.instanceId);
    if (behind.length === 0 || Date.now() > deadline) return behind;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 10));
  }
}
