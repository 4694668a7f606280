import { startSubgraph } from '@intelgraph/subgraph-runtime';
import { createRealShards, type RealShards } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../src/dev/platform.js';

// End to end: the gateway over the platform's real subgraphs (embedded PGlite shards), as `pnpm start` runs them.
type Backend = 'embedded PGlite' | 'PostgreSQL shards with replicas';

describe.each<Backend>(['embedded PGlite', 'PostgreSQL shards with replicas'])('on %s', (backend) => {
  let platform: Platform;
  let token: string;
  const shards = new Map<string, RealShards>();
  const gql = async (query: string, bearer = token) => {
    const res = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    if (backend === 'PostgreSQL shards with replicas') {
      for (const name of ['accounts', 'entities', 'investigations'])
        shards.set(name, await createRealShards(`e2e${name}`, 2));
    }
    platform = await startPlatform({
      subgraphEnv: (name) =>
        shards.has(name) ? { DATABASE_SHARDS: JSON.stringify(shards.get(name)!.shards) } : {},
      gatewayPort: 0,
      subgraphPorts: 'any',
      tenant: 'e2e',
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        SUBGRAPH_LOG_LEVEL: 'silent',
        SUBGRAPH_RETRIES: '0',
        BREAKER_FAILURES: '2',
        BREAKER_RESET_MS: '500',
        ALLOW_ANONYMOUS: 'false',
      },
    });
    const bootstrap = await platform.token('e2e:bootstrap');
    await gql('mutation { createTenant(input: { name: "E2E Corp" }) { id } }', bootstrap);
    const user = await gql(
      'mutation { createUser(input: { email: "e2e@x.test", name: "Eve", role: ADMIN }) { id } }',
      bootstrap,
    );
    token = await platform.token(user.body.data.createUser.id);
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
    for (const s of shards.values()) await s.drop();
  }, 60_000);

  describe('gateway over the platform subgraphs', () => {
    it('serves the signed-in user from accounts, and refuses a request without a token', async () => {
      expect((await gql('{ me { name tenant { name } } }')).body).toEqual({
        data: { me: { name: 'Eve', tenant: { name: 'E2E Corp' } } },
      });
      const anonymous = await fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
      expect(anonymous.status).toBe(401);
    });

    it('joins entities and accounts (entity → createdBy, and @requires on User)', async () => {
      const created = await gql(
        'mutation { createEntity(input: { kind: PERSON, name: "Alice" }) { id name } }',
      );
      expect(created.body.errors).toBeUndefined();
      const res = await gql(
        '{ entities(first: 5) { edges { node { name createdBy { name } } } } me { entityCount } }',
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.entities.edges).toContainEqual({
        node: { name: 'Alice', createdBy: { name: 'Eve' } },
      });
      expect(res.body.data.me.entityCount).toBeGreaterThanOrEqual(1);
    });

    it('returns partial data when a subgraph dies, opens its breaker, and closes it once it is back', async () => {
      const entities = platform.subgraphs.find((s) => s.name === 'entities')!;
      const url = entities.running!.url;
      await entities.running!.stop();
      entities.running = undefined;
      const query = '{ tenant { name } entity(id: "e2e:00000000-0000-0000-0000-000000000000") { name } }';
      try {
        const first = await gql(query);
        expect(first.body.data.tenant).toEqual({ name: 'E2E Corp' });
        expect(first.body.errors[0].extensions).toMatchObject({
          code: 'SUBGRAPH_REQUEST_FAILED',
          serviceName: 'entities',
        });
        await gql(query);
        const open = await gql(query);
        expect(open.body.data.tenant).toEqual({ name: 'E2E Corp' });
        expect(open.body.errors[0].extensions).toMatchObject({
          code: 'SUBGRAPH_UNAVAILABLE',
          serviceName: 'entities',
        });
      } finally {
        entities.running = await startSubgraph(entities.definition, {
          ...entities.config,
          port: Number(new URL(url).port),
        });
      }
      const deadline = Date.now() + 20_000;
      let code: string | undefined = 'SUBGRAPH_UNAVAILABLE';
      while (Date.now() < deadline && code?.startsWith('SUBGRAPH_')) {
        await new Promise((r) => setTimeout(r, 200));
        code = (await gql(query)).body.errors?.[0]?.extensions?.code;
      }
      expect(code).not.toMatch(/^SUBGRAPH_/);
    }, 120_000);
  });
});
