import { describe, expect, it } from 'vitest';
import { relocatedTenants, ShardMap, type ShardMapSnapshot, type TenantPlacement } from '../src/index.js';

const shard = (id: string, state: 'active' | 'pending' | 'draining' = 'active') => ({
  id,
  primary: `postgres://127.0.0.1/${id}`,
  replicas: [],
  state,
});

function map(
  version: number,
  placements: Array<Partial<TenantPlacement> & Pick<TenantPlacement, 'tenant' | 'shardId'>>,
  shards = [shard('s0'), shard('s1'), shard('s2', 'pending')],
): ShardMap {
  const snapshot: ShardMapSnapshot = {
    version,
    strategy: 'hash',
    virtualNodes: 150,
    shards,
    placements: placements.map((p) => ({
      state: 'pinned',
      targetShardId: undefined,
      moveId: undefined,
      ...p,
    })),
  };
  return new ShardMap(snapshot);
}

/** A tenant whose owner on the s0/s1 ring is `owner`. */
function tenantOwnedBy(owner: string, not: readonly string[] = []): string {
  const ring = map(1, []);
  for (let i = 0; ; i++) if (ring.ringOwner(`t${i}`) === owner && !not.includes(`t${i}`)) return `t${i}`;
}

describe('relocatedTenants (the tenants whose shard a new map version changes)', () => {
  const moved = tenantOwnedBy('s0');
  const other = tenantOwnedBy('s0', [moved]);

  it('names a tenant whose move switched, to a pin or to its ring owner, and no other', () => {
    const moving = map(2, [
      { tenant: moved, shardId: 's0', state: 'fenced', targetShardId: 's2', moveId: 'm1' },
      { tenant: other, shardId: 's0', state: 'pinned' },
    ]);
    const pinnedOnTarget = map(3, [
      { tenant: moved, shardId: 's2' },
      { tenant: other, shardId: 's0', state: 'pinned' },
    ]);
    expect(relocatedTenants(moving, pinnedOnTarget)).toEqual([moved]);
    // Back to the ring owner: the placement is lifted, the tenant relocated all the same.
    expect(relocatedTenants(pinnedOnTarget, map(4, [{ tenant: other, shardId: 's0' }]))).toEqual([moved]);
  });

  it('ignores placement changes that keep the tenant where it is (a move starting, fencing, abandoned)', () => {
    const before = map(1, []);
    const moving = map(2, [
      { tenant: moved, shardId: 's0', state: 'moving', targetShardId: 's1', moveId: 'm' },
    ]);
    const fenced = map(3, [
      { tenant: moved, shardId: 's0', state: 'fenced', targetShardId: 's1', moveId: 'm' },
    ]);
    expect(relocatedTenants(before, moving)).toEqual([]);
    expect(relocatedTenants(moving, fenced)).toEqual([]);
    // Abandoned: the previous placement (none) restored.
    expect(relocatedTenants(fenced, map(4, []))).toEqual([]);
    // A pin where the ring already puts the tenant, and its removal.
    expect(relocatedTenants(before, map(2, [{ tenant: moved, shardId: 's0' }]))).toEqual([]);
  });

  it('compares across skipped versions, sorted and each tenant once', () => {
    const onS1 = tenantOwnedBy('s1');
    const first = map(1, [
      { tenant: 'b', shardId: 's0' },
      { tenant: 'a', shardId: 's0' },
    ]);
    const later = map(9, [
      { tenant: 'b', shardId: 's1' },
      { tenant: 'a', shardId: 's2' },
      { tenant: onS1, shardId: 's0' },
      { tenant: moved, shardId: 's0' },
    ]);
    expect(relocatedTenants(first, later)).toEqual(['a', 'b', onS1].sort());
  });
});
