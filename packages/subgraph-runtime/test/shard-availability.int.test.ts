import { type FaultProxy, startFaultProxy, waitForReplica } from '@intelgraph/test-support';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '../src/index.js';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  testRuntimeConfig,
} from '../src/testing/index.js';

/*
 * Shard-level availability as Kubernetes sees it: shard pg-0's primary and replica are reached
 * through fault proxies. With the primary blackholed, `/ready` stays 200 (the pod stays in the
 * Service) and reports pg-0 degraded; pg-0's tenants read from the replica and their writes fail
 * fast with SHARD_UNAVAILABLE; pg-1's tenants do not notice.
 */
type Ctx = {
  db: {
    read(sql: string): Promise<Array<{ n: number }>>;
    write(sql: string, params: unknown[]): Promise<unknown>;
  };
  identity: { tenantId: string };
};
const notes: SubgraphDefinition<Record<string, never>> = {
  name: 'notes',
  typeDefs: parse(`
    type Query { notes: Int! }
    type Mutation { addNote(body: String!): Boolean! }
  `),
  migrations: [{ id: '001', sql: 'CREATE TABLE notes (tenant_id text NOT NULL, body text NOT NULL)' }],
  setup: () => ({
    loaders: {},
    resolvers: {
      Query: {
        notes: async (_: unknown, __: unknown, ctx: Ctx) =>
          (await ctx.db.read('SELECT count(*)::int AS n FROM notes'))[0]!.n,
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

interface ReadyBody {
  status: string;
  shards: Array<{ id: string; status: string; writable: boolean; readable: boolean }>;
}

describe('shard-level availability of a subgraph', () => {
  let shards: RealShards;
  let primaryProxy: FaultProxy;
  let replicaProxy: FaultProxy;
  let running: RunningSubgraph;
  let ready: string;
  const tenants: Record<string, string> = {};

  const readyNow = async (): Promise<{ http: number; body: ReadyBody }> => {
    const response = await fetch(ready);
    return { http: response.status, body: (await response.json()) as ReadyBody };
  };
  const shardStatus = (body: ReadyBody, id: string) => body.shards.find((s) => s.id === id)?.status;
  /** Polls /ready until `check` holds; every answer meanwhile must be 200. */
  const readyUntil = async (check: (body: ReadyBody) => boolean): Promise<ReadyBody> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { http, body } = await readyNow();
      expect(http, JSON.stringify(body)).toBe(200);
      if (check(body)) return body;
      if (Date.now() > deadline) throw new Error(`/ready never matched: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const count = (tenantId: string, userId: string) =>
    graphqlRequest<{ notes: number }>(running.url, '{ notes }', { identity: { tenantId, userId } });
  const add = (tenantId: string, userId: string) =>
    graphqlRequest(running.url, 'mutation { addNote(body: "x") }', { identity: { tenantId, userId } });

  beforeAll(async () => {
    shards = await createRealShards('ig_avail', 2);
    const port = (url: string) => Number(new URL(url).port);
    primaryProxy = await startFaultProxy({ target: port(shards.shards[0]!.primary) });
    replicaProxy = await startFaultProxy({ target: port(shards.shards[0]!.replicas![0]!) });
    const config = [
      {
        ...shards.shards[0]!,
        primary: primaryProxy.url(shards.shards[0]!.primary),
        replicas: [replicaProxy.url(shards.shards[0]!.replicas![0]!)],
      },
      shards.shards[1]!,
    ];
    running = await startSubgraph(notes, testRuntimeConfig({ shards: config }));
    ready = running.url.replace(/\/graphql$/, '/ready');
    const { router } = running.services.storage;
    for (let i = 0; Object.keys(tenants).length < 2; i++) tenants[router.route(`t${i}`)] ??= `t${i}`;
  }, 60_000);
  afterAll(async () => {
    primaryProxy?.setMode('pass');
    replicaProxy?.setMode('pass');
    await running?.stop();
    await primaryProxy?.stop();
    await replicaProxy?.stop();
    await shards?.drop();
  });

  it('stays in service with a shard reported degraded while its primary is blackholed', async () => {
    const onDegraded = tenants['pg-0']!;
    const onHealthy = tenants['pg-1']!;
    const { manager } = running.services.storage;
    expect((await add(onDegraded, 'writer')).errors).toBeUndefined();
    const wroteAt = Date.now();
    expect((await add(onHealthy, 'writer')).errors).toBeUndefined();
    await waitForReplica();
    // The health loop has seen the replica replay a primary position taken after the write.
    await readyUntil(() => (manager.shard('pg-0').replicas[0]!.health.syncedAt ?? 0) > wroteAt);
    const before = await readyUntil((b) => b.status === 'ready');
    expect(before.shards.map((s) => [s.id, s.status])).toEqual([
      ['pg-0', 'ok'],
      ['pg-1', 'ok'],
    ]);

    // A caller that writes just before the fault: nothing has shown yet that the replica
    // replayed its write.
    expect((await add(onDegraded, 'late-writer')).errors).toBeUndefined();
    primaryProxy.setMode('blackhole');
    try {
      const during = await readyUntil((b) => shardStatus(b, 'pg-0') === 'degraded');
      expect(during).toMatchObject({
        status: 'degraded',
        shards: [
          { id: 'pg-0', status: 'degraded', writable: false, readable: true },
          { id: 'pg-1', status: 'ok', writable: true, readable: true },
        ],
      });
      // Reads of the degraded shard's tenants go to its replica: another caller, and the writer
      // whose write the replica is known to have replayed.
      for (const user of ['reader', 'writer']) {
        const read = await count(onDegraded, user);
        expect(read.errors, user).toBeUndefined();
        expect(read.data?.notes).toBeGreaterThanOrEqual(1);
      }
      // Read-your-writes: the late writer sees its own write, or is told the shard is unavailable;
      // never an answer without its write.
      const late = await count(onDegraded, 'late-writer');
      if (late.errors) expect(late.errors[0]?.extensions).toMatchObject({ code: 'SHARD_UNAVAILABLE' });
      else expect(late.data?.notes).toBe(2);
      // Writes there fail fast, named.
      const started = performance.now();
      const refused = await add(onDegraded, 'writer');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'SHARD_UNAVAILABLE' });
      // The other shard's tenants are untouched.
      expect((await add(onHealthy, 'writer')).errors).toBeUndefined();
      expect((await count(onHealthy, 'writer')).data?.notes).toBe(2);

      // Its replica gone too: the shard serves nothing, but the pod still serves pg-1.
      replicaProxy.setMode('refuse');
      const dark = await readyUntil((b) => shardStatus(b, 'pg-0') === 'unavailable');
      expect(dark.status).toBe('degraded');
      expect((await count(onDegraded, 'reader')).errors?.[0]?.extensions).toMatchObject({
        code: 'SHARD_UNAVAILABLE',
      });
      expect((await count(onHealthy, 'reader')).errors).toBeUndefined();
    } finally {
      primaryProxy.setMode('pass');
      replicaProxy.setMode('pass');
    }
    await readyUntil((b) => b.status === 'ready');
    expect((await add(onDegraded, 'writer')).errors).toBeUndefined();
  });
});
