import { ShardMapStore } from '@intelgraph/database-sharding';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '../src/index.js';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  testRuntimeConfig,
} from '../src/testing/index.js';

type Ctx = {
  db: {
    read(sql: string): Promise<Array<{ n: number }>>;
    write(sql: string, params: unknown[]): Promise<unknown>;
    shardId: string;
  };
  identity: { tenantId: string };
};
const notes: SubgraphDefinition<Record<string, never>> = {
  name: 'notes',
  typeDefs: parse(`
    type Query { notes: Int!, shard: String! }
    type Mutation { addNote(body: String!): Boolean! }
  `),
  migrations: [{ id: '001', sql: 'CREATE TABLE notes (tenant_id text NOT NULL, body text NOT NULL)' }],
  setup: () => ({
    loaders: {},
    resolvers: {
      Query: {
        notes: async (_: unknown, __: unknown, ctx: Ctx) =>
          (await ctx.db.read('SELECT count(*)::int AS n FROM notes'))[0]!.n,
        shard: (_: unknown, __: unknown, ctx: Ctx) => ctx.db.shardId,
      },
      Mutation: {
        addNote: async (_: unknown, args: { body: string }, ctx: Ctx) => {
          await ctx.db.write('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [
            ctx.identity.tenantId,
            args.body,
          ]);
          return true;
        },
      },
    } as never,
  }),
};

async function tables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

describe('subgraphs on the stored shard map', () => {
  let shards: RealShards;
  let metadata: TestDatabase;
  let store: ShardMapStore;
  const running: RunningSubgraph[] = [];

  beforeAll(async () => {
    shards = await createRealShards('ig_smap', 3);
    metadata = await createTestDatabase('ig_smap_meta');
    store = new ShardMapStore({ url: metadata.url });
  }, 60_000);
  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await store?.close();
    await shards?.drop();
    await metadata?.drop();
  });

  it('initialises the map from DATABASE_SHARDS; an instance without it follows the map', async () => {
    const [s0, s1] = shards.shards;
    running.push(
      await startSubgraph(notes, testRuntimeConfig({ shards: [s0!, s1!], shardMapUrl: metadata.url })),
    );
    expect((await store.load())?.version).toBe(1);
    running.push(await startSubgraph(notes, testRuntimeConfig({ shardMapUrl: metadata.url })));
    expect(running[1]!.services.storage.router.shardIds).toEqual(['pg-0', 'pg-1']);
    expect(running[1]!.services.storage.mode).toBe('external');
  });

  it('refuses to start when DATABASE_SHARDS disagrees with the stored map, having written nothing', async () => {
    const before = await store.load();
    const instancesBefore = await store.liveInstances(60_000);
    const extra = shards.databases[2]!;
    expect(await tables(extra.url)).toEqual([]);
    await expect(
      startSubgraph(notes, testRuntimeConfig({ shards: shards.shards, shardMapUrl: metadata.url })),
    ).rejects.toMatchObject({
      code: 'SHARD_MAP_MISMATCH',
      details: {
        problems: [expect.stringMatching(/names shard 'pg-2', which the stored shard map \(version 1\)/)],
      },
    });
    expect(await tables(extra.url)).toEqual([]);
    expect(await store.load()).toEqual(before);
    expect((await store.liveInstances(60_000)).length).toBe(instancesBefore.length);
  });

  it('both instances follow a change: a new shard is migrated, a placed tenant routed there', async () => {
    const tenant = 'moved-tenant';
    const started = performance.now();
    await store.change('add pg-2 and place a tenant on it', async (c) => {
      await c.addShard(shards.shards[2]!, 'pending');
      await c.place({ tenant, shardId: 'pg-2', state: 'pinned' });
    });
    for (const r of running) {
      const deadline = Date.now() + 10_000;
      while (r.services.storage.router.route(tenant) !== 'pg-2') {
        if (Date.now() > deadline) throw new Error('the instance did not follow the map');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await tables(shards.databases[2]!.url)).toEqual([
      'public.notes',
      'public.notes_schema_migrations',
    ]);
    const wrote = await graphqlRequest(running[1]!.url, 'mutation { addNote(body: "x") }', {
      identity: { tenantId: tenant },
    });
    expect(wrote.errors).toBeUndefined();
    const read = await graphqlRequest<{ shard: string }>(running[0]!.url, '{ shard }', {
      identity: { tenantId: tenant },
    });
    expect(read.data?.shard).toBe('pg-2');
    const c = new pg.Client({ connectionString: shards.databases[2]!.url });
    await c.connect();
    expect((await c.query('SELECT tenant_id FROM notes')).rows).toEqual([{ tenant_id: tenant }]);
    await c.end();
  });
});
