import { randomUUID } from 'node:crypto';
import { routableId, ShardMapStore, TenantMover } from '@intelgraph/database-sharding';
import { createLogger } from '@intelgraph/telemetry';
import { createTestDatabase, serviceUrls, type TestDatabase, waitForReplica } from '@intelgraph/test-support';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RequestContext,
  type RunningSubgraph,
  rowByIdLoader,
  type SubgraphDefinition,
  startSubgraph,
} from '../src/index.js';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  testRuntimeConfig,
} from '../src/testing/index.js';

interface Item {
  readonly id: string;
  readonly name: string;
}

const items: SubgraphDefinition<{
  itemById: (ctx: RequestContext) => ReturnType<typeof rowByIdLoader<Item>>;
}> = {
  name: 'items',
  typeDefs: parse(`
    type Item { id: ID!, name: String! }
    type Query { item(id: ID!): Item }
    type Mutation { addItem(name: String!): Item! }
  `),
  migrations: [
    {
      id: '001',
      sql: 'CREATE TABLE items (tenant_id text NOT NULL, id text NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id))',
    },
  ],
  // What a tenant move copies.
  shardedTables: [{ table: 'items', keyColumn: 'tenant_id', primaryKey: ['tenant_id', 'id'] }],
  setup: () => ({
    loaders: {
      itemById: (ctx: RequestContext) =>
        rowByIdLoader<Item>(ctx, {
          name: 'itemById',
          type: 'Item',
          table: 'items',
          columns: 'id, name',
          toRecord: (row) => ({ id: row.id as string, name: row.name as string }),
          cachePrefix: (tenantId) => `item:v1:${tenantId}:`,
        }),
    },
    resolvers: {
      Query: {
        item: (
          _: unknown,
          args: { id: string },
          ctx: RequestContext & { loaders: { itemById: { load(id: string): Promise<Item | null> } } },
        ) => ctx.loaders.itemById.load(args.id),
      },
      Mutation: {
        addItem: async (_: unknown, args: { name: string }, ctx: RequestContext) =>
          (
            await ctx.db.write('INSERT INTO items VALUES ($1, $2, $3) RETURNING id, name', [
              ctx.db.tenantId,
              routableId(ctx.db.tenantId),
              args.name,
            ])
          )[0],
      },
    } as never,
  }),
};

/*
 * A whole-tenant online move (TenantMover, what `intelgraph-shards move` runs) switches the stored
 * shard map; two subgraph instances with Redis as L2 follow it. Rows are then changed with SQL
 * straight in the shards' databases (no write path, so no invalidation but the move's): the moved
 * tenant's next read shows the target's row on both instances, another tenant's still its cached one.
 */
describe('a tenant moved to another shard: its cache entries invalidated on every instance, no one else’s', () => {
  let real: RealShards;
  let metadata: TestDatabase;
  let store: ShardMapStore;
  let a: RunningSubgraph;
  let b: RunningSubgraph;
  const logLines: string[] = [];
  const suffix = randomUUID().slice(0, 6);
  const moved = `mv${suffix}`;
  const bystander = `by${suffix}`;

  beforeAll(async () => {
    real = await createRealShards('ig_mvcache', 2);
    metadata = await createTestDatabase('ig_mvcache_map');
    store = new ShardMapStore({ url: metadata.url });
    const redisUrl = serviceUrls().redis;
    a = await startSubgraph(
      items,
      testRuntimeConfig({ shards: real.shards, shardMapUrl: metadata.url, redisUrl }),
      {
        logger: createLogger({
          service: 'items',
          level: 'info',
          destination: { write: (line: string) => void logLines.push(line) },
        }),
      },
    );
    // The second instance learns the shards from the map.
    b = await startSubgraph(items, testRuntimeConfig({ shardMapUrl: metadata.url, redisUrl }));
    for (const running of [a, b]) expect(await running.services.cache.ready()).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await store?.close();
    await real?.drop();
    await metadata?.drop();
  });

  const add = async (tenant: string, name: string): Promise<Item> => {
    const r = await graphqlRequest<{ addItem: Item }>(
      a.url,
      'mutation($n: String!) { addItem(name: $n) { id name } }',
      { identity: { tenantId: tenant }, variables: { n: name } },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.addItem;
  };
  const nameOn = async (on: RunningSubgraph, tenant: string, id: string): Promise<string | undefined> => {
    const r = await graphqlRequest<{ item: Item | null }>(
      on.url,
      'query($id: ID!) { item(id: $id) { name } }',
      {
        identity: { tenantId: tenant },
        variables: { id },
      },
    );
    expect(r.errors).toBeUndefined();
    return r.data?.item?.name;
  };
  /** Renames a row with SQL in a shard's database, bypassing the subgraph; replicas replayed it after. */
  const renameInShard = async (shardId: string, id: string, name: string): Promise<void> => {
    const db = real.databases[real.shards.findIndex((s) => s.id === shardId)]!;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rowCount } = await c.query('UPDATE items SET name = $2 WHERE id = $1', [id, name]);
      expect(rowCount).toBe(1);
    } finally {
      await c.end();
    }
    await waitForReplica();
  };

  it('the next read after the move shows the target shard’s row; the other tenant keeps its cached entry', async () => {
    const item = await add(moved, 'before');
    const other = await add(bystander, 'other-before');
    for (const on of [a, b]) {
      expect(await nameOn(on, moved, item.id)).toBe('before');
      expect(await nameOn(on, bystander, other.id)).toBe('other-before');
    }
    const router = a.services.storage.router;
    const source = router.route(moved);
    const target = source === 'pg-0' ? 'pg-1' : 'pg-0';
    // Both tenants' reads are served from the cache now: changes behind the subgraph's back are not seen.
    await renameInShard(source, item.id, 'changed-on-source');
    await renameInShard(router.route(bystander), other.id, 'other-changed');
    for (const on of [a, b]) {
      expect(await nameOn(on, moved, item.id)).toBe('before');
      expect(await nameOn(on, bystander, other.id)).toBe('other-before');
    }

    const versionBefore = a.services.storage.mapFollower!.version;
    const report = await new TenantMover({ store, manager: a.services.storage.manager }).move(moved, target);
    expect(report).toMatchObject({ source, target, tenant: moved });
    // The move waited for both instances to apply its switch (and so for their invalidation).
    for (const on of [a, b]) expect(on.services.storage.router.route(moved)).toBe(target);

    await renameInShard(target, item.id, 'changed-on-target');
    for (const on of [a, b]) {
      expect(await nameOn(on, moved, item.id)).toBe('changed-on-target');
      // Not invalidated: still the entry cached before the move.
      expect(await nameOn(on, bystander, other.id)).toBe('other-before');
    }

    const invalidations = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (entry) =>
          Array.isArray(entry.tenants) && (entry.msg as string).includes('cache entries invalidated'),
      );
    // Only the switch relocated a tenant (placing it `moving`, then `fenced`, did not).
    expect(invalidations).toEqual([
      expect.objectContaining({
        level: 'info',
        tenants: [moved],
        version: report.switchedVersion,
        shards: { [moved]: { from: source, to: target } },
      }),
    ]);
    expect(report.switchedVersion).toBeGreaterThan(versionBefore);
  });
});
