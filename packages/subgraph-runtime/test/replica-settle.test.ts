import { MultiTierCache } from '@intelgraph/advanced-caching';
import { ShardManager } from '@intelgraph/database-sharding';
import { afterAll, describe, expect, it } from 'vitest';
import { invalidateAfterCommit, replicaSettleMs } from '../src/index.js';

const cache = new MultiTierCache({ name: 'replica-settle-test', prefix: 'test:replica-settle' });
afterAll(() => cache.close());

describe('invalidation once replicas have replayed a write', () => {
  it('drops an old row a lagging replica read stored after the first invalidation', async () => {
    const key = 'entity:v1:acme:acme:1';
    await invalidateAfterCommit(cache, ['Entity:acme:1'], { againAfterMs: 30 });
    // Another caller's read hit a replica that had not replayed the write yet, and stored it.
    await cache.set(key, { name: 'old' }, { ttl: 60, tags: ['Entity:acme:1'] });
    expect(await cache.get(key)).toEqual({ name: 'old' });
    const deadline = Date.now() + 5000;
    while ((await cache.get(key)) !== undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(await cache.get(key)).toBeUndefined();
  });

  it('invalidates once only when told no replica can lag', async () => {
    const key = 'entity:v1:acme:acme:2';
    await invalidateAfterCommit(cache, ['Entity:acme:2']);
    await cache.set(key, { name: 'fresh' }, { ttl: 60, tags: ['Entity:acme:2'] });
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get(key)).toEqual({ name: 'fresh' });
  });

  it('waits the replica lag bound plus one health interval, and nothing without replicas', () => {
    const manager = (replicas: string[]) =>
      new ShardManager({
        strategy: 'hash',
        shards: [{ id: 's0', primary: 'postgres://u@127.0.0.1:1/p', replicas }],
        health: { intervalMs: 700, maxReplicaLagMs: 3000 },
      });
    expect(replicaSettleMs(manager(['postgres://u@127.0.0.1:1/r']))).toBe(3700);
    expect(replicaSettleMs(manager([]))).toBe(0);
  });
});
