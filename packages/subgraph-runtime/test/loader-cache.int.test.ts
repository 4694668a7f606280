import { randomUUID } from 'node:crypto';
import { routableId } from '@intelgraph/database-sharding';
import { serviceUrls } from '@intelgraph/test-support';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  invalidationTags,
  type RequestContext,
  type RunningSubgraph,
  rowByIdLoader,
  ShardedEventStore,
  type SubgraphContext,
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

const itemPrefix = (tenantId: string) => `item:v1:${tenantId}:`;

/**
 * Runs after each loader read returned its rows and before the loader stores them: a test holds
 * reads here (the rows it read are already the old ones) while a write commits.
 */
let afterRead: (() => Promise<void>) | undefined;

function gatedReads(ctx: RequestContext): RequestContext {
  const db = {
    tenantId: ctx.db.tenantId,
    read: async (sql: string, params: readonly unknown[]) => {
      const rows = await ctx.db.read(sql, params);
      await afterRead?.();
      return rows;
    },
  };
  return { ...ctx, db } as unknown as RequestContext;
}

const items: SubgraphDefinition<{
  itemById: (ctx: RequestContext) => ReturnType<typeof rowByIdLoader<Item>>;
}> = {
  name: 'items',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Item { id: ID!, name: String! }
    type Query { item(id: ID!): Item }
    type Mutation { addItem(name: String!): Item!, renameItem(id: ID!, name: String!): Item }
  `),
  migrations: [
    {
      id: '001',
      sql: 'CREATE TABLE items (tenant_id text NOT NULL, id text NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id))',
    },
  ],
  setup: async (services) => {
    // Writes go through the event store, which invalidates the loader cache by the tags they declare.
    const events = await ShardedEventStore.start(services, { schema: 'items_events' });
    return {
      stop: () => events.stop(),
      loaders: {
        itemById: (ctx: RequestContext) =>
          rowByIdLoader<Item>(gatedReads(ctx), {
            name: 'itemById',
            type: 'Item',
            table: 'items',
            columns: 'id, name',
            toRecord: (row) => ({ id: row.id as string, name: row.name as string }),
            cachePrefix: itemPrefix,
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
          addItem: async (_: unknown, args: { name: string }, ctx: RequestContext) => {
            const rows = await ctx.db.write('INSERT INTO items VALUES ($1, $2, $3) RETURNING id, name', [
              ctx.db.tenantId,
              routableId(ctx.db.tenantId),
              args.name,
            ]);
            return rows[0];
          },
          renameItem: async (_: unknown, args: { id: string; name: string }, ctx: SubgraphContext) => {
            const { value } = await events.append(
              ctx,
              [
                {
                  id: randomUUID(),
                  aggregateId: args.id,
                  aggregateType: 'item',
                  eventType: 'ItemRenamed',
                  data: {},
                },
              ],
              {
                invalidates: invalidationTags({
                  tenant: ctx.db.tenantId,
                  objects: [{ type: 'Item', id: args.id }],
                }),
              },
              async (tx) =>
                (
                  await tx.query(
                    'UPDATE items SET name = $3 WHERE tenant_id = $1 AND id = $2 RETURNING id, name',
                    [ctx.db.tenantId, args.id, args.name],
                  )
                ).rows[0] ?? null,
            );
            return value;
          },
        },
      } as never,
    };
  },
};

function gate(): { wait: () => Promise<void>; open: () => void; waiting: () => number } {
  let opened = false;
  let count = 0;
  const waiters: Array<() => void> = [];
  return {
    wait: () => {
      count += 1;
      return opened ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },
    open: () => {
      opened = true;
      for (const resolve of waiters.splice(0)) resolve();
    },
    waiting: () => count,
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('loader read-through cache on real PostgreSQL shards and Redis, two instances', () => {
  let real: RealShards;
  let a: RunningSubgraph;
  let b: RunningSubgraph;
  const tenant = `lc${randomUUID().slice(0, 6)}`;
  const identity = { tenantId: tenant, userId: `${tenant}:analyst` };
  const itemSelects: string[] = [];

  beforeAll(async () => {
    real = await createRealShards('loader_cache', 2);
    const config = testRuntimeConfig({ shards: real.shards, redisUrl: serviceUrls().redis });
    a = await startSubgraph(items, config);
    b = await startSubgraph(items, config);
    for (const running of [a, b]) {
      await running.services.cache.ready();
      running.services.storage.distributor.onQuery((e) => {
        if (/^SELECT id, name FROM items/.test(e.sql)) itemSelects.push(e.sql);
      });
    }
  });
  afterAll(async () => {
    afterRead = undefined;
    await b?.stop();
    await a?.stop();
    await real?.drop();
  });

  const add = async (name: string) =>
    (
      await graphqlRequest<{ addItem: Item }>(
        a.url,
        'mutation($n: String!) { addItem(name: $n) { id name } }',
        {
          identity,
          variables: { n: name },
        },
      )
    ).data!.addItem;
  const read = (on: RunningSubgraph, id: string) =>
    graphqlRequest<{ item: Item | null }>(on.url, 'query($id: ID!) { item(id: $id) { id name } }', {
      identity,
      variables: { id },
    });

  it('a read that loaded a row before an update does not write the old row back after the invalidation', async () => {
    const item = await add('old name');
    const key = itemPrefix(tenant) + item.id;
    const held = gate();
    afterRead = held.wait;
    const slowRead = read(a, item.id);
    await until(() => held.waiting() === 1, 'the read to load the old row');
    afterRead = undefined;

    // The update commits and invalidates (on the other instance) while the read holds the old row.
    const renamed = await graphqlRequest<{ renameItem: Item }>(
      b.url,
      'mutation($id: ID!) { renameItem(id: $id, name: "new name") { name } }',
      { identity, variables: { id: item.id } },
    );
    expect(renamed.data?.renameItem.name).toBe('new name');

    held.open();
    expect((await slowRead).data?.item?.name).toBe('old name'); // it began before the update
    // Nothing stale was stored, on either tier, for either instance.
    expect(await a.services.cache.get(key)).toBeUndefined();
    expect(await b.services.cache.get(key)).toBeUndefined();
    expect((await read(a, item.id)).data?.item?.name).toBe('new name');
    expect((await read(b, item.id)).data?.item?.name).toBe('new name');
    // The fresh row was cached: a further read costs no statement.
    const before = itemSelects.length;
    expect((await read(a, item.id)).data?.item?.name).toBe('new name');
    expect(itemSelects.length).toBe(before);
  });

  it('concurrent requests for the same cold key share one database load (per instance)', async () => {
    const item = await add('popular');
    const held = gate();
    afterRead = held.wait;
    const before = itemSelects.length;
    const joinedBefore = a.services.cache.stats().stampedeWaits.local;
    const n = 8;
    const reads = Array.from({ length: n }, () => read(a, item.id));
    // Every request has missed the cache: one loads (held), the others joined its load in flight.
    await until(() => held.waiting() >= 1, 'the first load');
    await until(
      () => a.services.cache.stats().stampedeWaits.local - joinedBefore >= n - 1,
      'every other request to join the load in flight',
    );
    held.open();
    const results = await Promise.all(reads);
    afterRead = undefined;
    for (const r of results) expect(r.data?.item).toEqual({ id: item.id, name: 'popular' });
    expect(itemSelects.length - before).toBe(1);
  });

  it('a request never sees another tenant’s row through a shared load', async () => {
    const item = await add('mine');
    const other = { tenantId: `${tenant}x`, userId: `${tenant}x:analyst` };
    const [own, foreign] = await Promise.all([
      read(a, item.id),
      graphqlRequest<{ item: Item | null }>(a.url, 'query($id: ID!) { item(id: $id) { id name } }', {
        identity: other,
        variables: { id: item.id },
      }),
    ]);
    expect(own.data?.item?.name).toBe('mine');
    expect(foreign.data?.item ?? null).toBeNull();
  });
});
