import { IDENTITY_HEADER } from '@intelgraph/identity';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '../src/index.js';
import { graphqlRequest, signIdentity, testRuntimeConfig } from '../src/testing/index.js';

let release: (() => void) | undefined;
const gate = () =>
  new Promise<void>((resolve) => {
    release = resolve;
  });

const notes: SubgraphDefinition<Record<string, never>> = {
  name: 'notes',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT
    enum CacheControlScope { PUBLIC PRIVATE }
    type Query {
      tenant: String!, count: Int!, slow: Boolean!, boom: Int
      hinted: Int @cacheControl(maxAge: 30, scope: PRIVATE)
    }
    type Mutation { touch: Int @cacheControl(maxAge: 30) }
  `),
  migrations: [
    { id: '001', sql: 'CREATE TABLE notes (tenant_id text NOT NULL, body text NOT NULL)' },
    { id: '002', sql: "INSERT INTO notes VALUES ('seed', 'x')" },
  ],
  setup: () => ({
    loaders: {},
    resolvers: {
      Query: {
        tenant: (_: unknown, __: unknown, ctx: { identity: { tenantId: string } }) => ctx.identity.tenantId,
        count: async (
          _: unknown,
          __: unknown,
          ctx: { db: { read(sql: string): Promise<Array<{ n: number }>> } },
        ) => (await ctx.db.read('SELECT count(*)::int AS n FROM notes'))[0]!.n,
        slow: async () => {
          await gate();
          return true;
        },
        boom: () => {
          throw new Error('secret internals');
        },
        hinted: () => 1,
      },
      Mutation: { touch: () => 1 },
    } as never,
  }),
};

describe('subgraph runtime (embedded PGlite shards)', () => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    running = await startSubgraph(notes, testRuntimeConfig({ embeddedShards: 2 }));
  });
  afterAll(async () => running?.stop());

  it('runs the migrations on every shard, once', async () => {
    const { manager } = running.services.storage;
    expect(manager.shardIds).toHaveLength(2);
    for (const shard of manager.shards) {
      const { rows } = await shard.primary.pool.query('SELECT id FROM notes_schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['001', '002']);
    }
  });

  it('serves /health, /ready and /metrics', async () => {
    const base = running.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toMatchObject({ status: 'ready' });
    await graphqlRequest(running.url, '{ tenant }', { identity: { tenantId: 'acme' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(
      'intelgraph_subgraph_http_requests_total{route="graphql",status="200",service="notes"}',
    );
    expect(metrics).toContain('intelgraph_shard_');
  });

  it('takes the tenant from the signed identity, and refuses requests without one with 401', async () => {
    const ok = await graphqlRequest(running.url, '{ tenant count }', { identity: { tenantId: 'acme' } });
    expect(ok.data).toEqual({ tenant: 'acme', count: 1 });
    const missing = await graphqlRequest(running.url, '{ tenant }', { headers: { 'x-dev-tenant': 'acme' } });
    expect(missing.status).toBe(401);
    expect(missing.errors?.[0]?.extensions?.code).toBe('IDENTITY_MISSING');
    const bad = await graphqlRequest(running.url, '{ tenant }', {
      headers: { [IDENTITY_HEADER]: 'v1.abc.def' },
    });
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('IDENTITY_INVALID');
  });

  it('sends Cache-Control from the @cacheControl hints, and no-store for mutations', async () => {
    const cacheControl = async (query: string) =>
      (
        await fetch(running.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [IDENTITY_HEADER]: signIdentity({ tenantId: 'acme' }),
          },
          body: JSON.stringify({ query }),
        })
      ).headers.get('cache-control');
    expect(await cacheControl('{ hinted }')).toBe('max-age=30, private');
    // A root field without a hint: uncacheable, like any part of the answer without one.
    expect(await cacheControl('{ hinted tenant }')).toBe('no-store');
    expect(await cacheControl('mutation { touch }')).toBe('no-store');
    expect(await cacheControl('{ boom }')).toBe('no-store');
  });

  it('answers bad input with coded errors, never a 500', async () => {
    const headers = {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: signIdentity({ tenantId: 'acme' }),
    };
    const notJson = await fetch(running.url, { method: 'POST', headers, body: '{"query": ' });
    expect(notJson.status).toBe(400);
    expect(
      ((await notJson.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions
        .code,
    ).toBe('BAD_USER_INPUT');
    const invalid = await graphqlRequest(running.url, '{ nope }', { identity: { tenantId: 'acme' } });
    expect(invalid.status).toBe(400);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unparsable = await graphqlRequest(running.url, '{ tenant', { identity: { tenantId: 'acme' } });
    expect(unparsable.status).toBe(400);
    expect(unparsable.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const huge = await fetch(running.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: 'x'.repeat(2 << 20) }),
    });
    expect(huge.status).toBe(400);
    const boom = await graphqlRequest(running.url, '{ boom }', { identity: { tenantId: 'acme' } });
    expect(boom.status).toBe(200);
    expect(boom.errors?.[0]).toMatchObject({
      message: 'Internal error',
      extensions: { code: 'INTERNAL_ERROR' },
    });
    expect(JSON.stringify(boom)).not.toContain('secret internals');
  });

  it('drains on stop: the request in flight completes, /ready and new requests get 503', async () => {
    const inFlight = graphqlRequest(running.url, '{ slow }', { identity: { tenantId: 'acme' } });
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    expect(running.server.inFlight).toBe(1);
    const stopped = running.stop();
    const base = running.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    const refused = await graphqlRequest(running.url, '{ tenant }', { identity: { tenantId: 'acme' } });
    expect(refused.status).toBe(503);
    expect(refused.errors?.[0]?.extensions?.code).toBe('SERVICE_NOT_READY');
    release?.();
    expect((await inFlight).data).toEqual({ slow: true });
    await stopped;
    expect(running.server.state).toBe('stopped');
  });
});
