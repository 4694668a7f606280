import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardManager, ShardMapFollower, ShardMapStore, ShardRouter } from '../src/index.js';
import { eventually } from './fixtures/sharded-cluster.js';

/*
 * The stored shard map on real PostgreSQL: versioned changes, NOTIFY, and two "instances"
 * (manager + router + follower each) that follow it without being told anything.
 */
describe('stored shard map', () => {
  let metadata: TestDatabase;
  const shards: TestDatabase[] = [];
  let store: ShardMapStore;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    metadata = await createTestDatabase('ig_shard_map');
    for (let i = 0; i < 3; i++) shards.push(await createTestDatabase(`ig_shard_map_s${i}`));
    store = new ShardMapStore({ url: metadata.url });
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await store?.close();
    for (const db of [metadata, ...shards]) await db?.drop();
  });

  async function instance(service: string) {
    const snapshot = (await store.load())!;
    const manager = new ShardManager({
      strategy: 'hash',
      shards: snapshot.shards,
      health: { intervalMs: 200 },
      pool: { connectionTimeoutMs: 1000 },
    });
    await manager.start();
    const router = new ShardRouter(manager);
    const own = new ShardMapStore({ url: metadata.url });
    const added: string[] = [];
    const follower = new ShardMapFollower({
      store: own,
      manager,
      router,
      service,
      pollIntervalMs: 5000, // long: the NOTIFY must do the work in the first test
      onShardAdded: async (shard) => {
        added.push(shard.id);
      },
    });
    await follower.start(snapshot);
    stops.push(async () => {
      await follower.stop();
      await own.close();
      await manager.stop();
    });
    return { manager, router, follower, added };
  }

  it('initialises once, versions every change, and refuses a change planned on an older version', async () => {
    await store.migrate();
    await store.migrate(); // idempotent
    expect(await store.load()).toBeUndefined();
    const first = await store.initialize({
      virtualNodes: 150,
      shards: shards
        .slice(0, 2)
        .map((db, i) => ({ id: `s${i}`, primary: db.url, replicas: [db.replicaUrl] })),
    });
    expect(first.version).toBe(1);
    expect(first.shards.map((s) => [s.id, s.state])).toEqual([
      ['s0', 'active'],
      ['s1', 'active'],
    ]);
    // A second initialise (another instance starting at the same time) changes nothing.
    const again = await store.initialize({
      virtualNodes: 150,
      shards: [{ id: 'other', primary: shards[2]!.url }],
    });
    expect(again).toEqual(first);
    await expect(store.change('stale', async () => {}, { expectedVersion: 0 })).rejects.toMatchObject({
      code: 'SHARD_MAP_CONFLICT',
    });
    await expect(
      store.change('duplicate', async (c) => c.addShard({ id: 's0', primary: shards[2]!.url }, 'pending')),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await store.currentVersion()).toBe(1);
  });

  it('two instances follow a change within a notification, add its shard and route by its placements', async () => {
    const a = await instance('svc-a');
    const b = await instance('svc-b');
    const tenant = [...Array(100).keys()].map((i) => `t${i}`).find((t) => a.router.route(t) === 's0')!;
    const notified: number[] = [];
    const listening = await store.listen(
      (v) => notified.push(v),
      () => {},
    );
    const started = performance.now();
    const next = await store.change('add s2, pin a tenant there', async (c) => {
      await c.addShard({ id: 's2', primary: shards[2]!.url, replicas: [shards[2]!.replicaUrl] }, 'pending');
      await c.place({ tenant, shardId: 's2', state: 'pinned' });
    });
    expect(next.version).toBe(2);
    for (const inst of [a, b]) {
      await eventually(() => inst.follower.version === 2, 4000, 'the notified version');
      expect(inst.added).toEqual(['s2']);
      expect(inst.router.route(tenant)).toBe('s2');
      expect(inst.router.shardIds).toEqual(['s0', 's1', 's2']);
      expect(inst.router.map?.ringIds).toEqual(['s0', 's1']); // pending: not on the ring
    }
    // Well before the 5 s poll: the NOTIFY carried it.
    expect(performance.now() - started).toBeLessThan(4000);
    await eventually(() => notified.includes(2), 2000, 'NOTIFY');
    await listening.close();
    const live = await store.liveInstances(10_000);
    expect(live.map((i) => [i.service, i.appliedVersion])).toEqual(
      expect.arrayContaining([
        ['svc-a', 2],
        ['svc-b', 2],
      ]),
    );
  });

  it('the poll follows a change when no notification arrives', async () => {
    const snapshot = (await store.load())!;
    const manager = new ShardManager({ strategy: 'hash', shards: snapshot.shards });
    const router = new ShardRouter(manager);
    const own = new ShardMapStore({ url: metadata.url });
    // A follower that never hears NOTIFY: its store's listen is a no-op.
    own.listen = async () => ({ close: async () => {} });
    const follower = new ShardMapFollower({
      store: own,
      manager,
      router,
      service: 'deaf',
      pollIntervalMs: 200,
    });
    await follower.start(snapshot);
    try {
      await store.change('activate s2', async (c) => c.setShardState('s2', 'active'));
      await eventually(() => router.map?.ringIds.includes('s2') === true, 3000, 'the polled version');
      expect(follower.version).toBe(snapshot.version + 1);
    } finally {
      await follower.stop();
      await own.close();
      await manager.stop();
    }
  });
});
