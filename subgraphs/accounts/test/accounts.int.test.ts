import { randomUUID } from 'node:crypto';
import type { QueryEvent } from '@intelgraph/database-sharding';
import type { DeliveredMessage } from '@intelgraph/message-queue-enhanced';
import { type GraphQLResponse, TEST_BACKENDS, TestSubgraph } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsSubgraph } from '../src/index.js';

describe.each(TEST_BACKENDS)('accounts on %s', (backend) => {
  const subgraph = new TestSubgraph(accountsSubgraph, { backend });
  const gql = subgraph.request;
  const statements: QueryEvent[] = [];
  const delivered: DeliveredMessage[] = [];
  const acme = { tenantId: `acme${randomUUID().slice(0, 6)}`, userId: undefined as string | undefined };
  const globex = { tenantId: `globex${randomUUID().slice(0, 6)}` };

  beforeAll(async () => {
    const running = await subgraph.start();
    running.services.storage.distributor.onQuery((e) => statements.push(e));
    for (const topic of ['tenant', 'user'])
      await running.services.transport.subscribe(topic, (m) => {
        delivered.push(m);
      });
  });
  afterAll(() => subgraph.stop());

  it('registers the caller’s tenant and its users; me and user(id) read them back', async () => {
    const tenant = await gql('mutation { createTenant(input: { name: "Acme Corp" }) { id name } }', acme);
    expect(tenant.data).toEqual({ createTenant: { id: acme.tenantId, name: 'Acme Corp' } });
    const again = await gql('mutation { createTenant(input: { name: "Again" }) { id } }', acme);
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const created = await gql(
      'mutation($i: CreateUserInput!) { createUser(input: $i) { id email name role tenant { id name } } }',
      acme,
      { i: { email: 'Ann@Acme.test', name: ' Ann ', role: 'ADMIN' } },
    );
    const user = (created.data as { createUser: { id: string } }).createUser;
    expect(created.data).toEqual({
      createUser: {
        id: user.id,
        email: 'ann@acme.test',
        name: 'Ann',
        role: 'ADMIN',
        tenant: { id: acme.tenantId, name: 'Acme Corp' },
      },
    });
    expect(user.id.startsWith(`${acme.tenantId}:`)).toBe(true);
    acme.userId = user.id;

    // Each creation is an event on its topic, naming its tenant (what cache invalidation reads).
    const deadline = Date.now() + 10_000;
    const mine = () =>
      delivered
        .map((m) => m.payload as { aggregateId: string; eventType: string; metadata: { tenantId: string } })
        .filter((p) => p.metadata.tenantId === acme.tenantId);
    while (mine().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(mine().map((p) => [p.eventType, p.aggregateId])).toEqual([
      ['TenantCreated', acme.tenantId],
      ['UserCreated', user.id],
    ]);

    const me = await gql(
      '{ me { id email } user(id: "' + user.id + '") { name } tenant { userCount } }',
      acme,
    );
    expect(me.data).toEqual({
      me: { id: user.id, email: 'ann@acme.test' },
      user: { name: 'Ann' },
      tenant: { userCount: 1 },
    });
  });

  it('pages through users with Relay cursors, newest first, without gaps or repeats', async () => {
    for (let i = 0; i < 6; i += 1) {
      const r = await gql(
        `mutation { createUser(input: { email: "u${i}@acme.test", name: "User ${i}" }) { id } }`,
        acme,
      );
      expect(r.errors).toBeUndefined();
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: GraphQLResponse = await gql(
        'query($after: String) { users(first: 3, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }',
        acme,
        { after },
      );
      const conn = (
        r.data as {
          users: {
            edges: Array<{ node: { id: string; name: string } }>;
            pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
          };
        }
      ).users;
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...conn.edges.map((e) => e.node.name));
      pages += 1;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['User 5', 'User 4', 'User 3', 'User 2', 'User 1', 'User 0', 'Ann']);
  });

  it('resolves a batch of User references with one SQL statement', async () => {
    const list = await gql('{ users(first: 7) { edges { node { id } } } }', acme);
    const ids = (list.data as { users: { edges: Array<{ node: { id: string } }> } }).users.edges.map(
      (e) => e.node.id,
    );
    statements.length = 0;
    const r = await gql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }',
      acme,
      { r: ids.map((id) => ({ __typename: 'User', id })) },
    );
    expect((r.data as { _entities: Array<{ id: string }> })._entities.map((u) => u.id)).toEqual(ids);
    expect(statements.filter((s) => /FROM users/.test(s.sql))).toHaveLength(1);
  });

  it('never shows one tenant’s users to another: foreign ids are NOT_FOUND or null', async () => {
    const foreign = await gql(`{ user(id: "${acme.userId}") { id email } }`, globex);
    expect(foreign.data).toEqual({ user: null });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // random ids of random tenants, including the real one's tenant with random local parts
    const candidates = [
      ...Array.from({ length: 10 }, () => `${acme.tenantId}:${randomUUID()}`),
      ...Array.from({ length: 10 }, () => `t${randomUUID().slice(0, 8)}:${randomUUID()}`),
      acme.userId!,
    ];
    for (const id of candidates) {
      const r = await gql('query($id: ID!) { user(id: $id) { id } }', globex, { id });
      expect(r.status).toBe(200);
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const refs = await gql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }',
      globex,
      {
        r: candidates.map((id) => ({ __typename: 'User', id })),
      },
    );
    expect((refs.data as { _entities: unknown[] })._entities.every((e) => e === null)).toBe(true);
    const globexMe = await gql('{ me { id } users { edges { node { id } } } }', {
      ...globex,
      userId: acme.userId,
    });
    expect(globexMe.data).toEqual({ me: null, users: { edges: [] } });
  });

  it('answers bad input with coded GraphQL errors, never a 500', async () => {
    const cases: Array<[string, Record<string, unknown>, string, { scopes?: string[] }?]> = [
      ['{ user(id: "no-tenant") { id } }', {}, 'BAD_USER_INPUT'],
      ['{ users(first: 101) { edges { cursor } } }', {}, 'BAD_USER_INPUT'],
      ['{ users(first: -1) { edges { cursor } } }', {}, 'BAD_USER_INPUT'],
      ['{ users(after: "garbage") { edges { cursor } } }', {}, 'BAD_USER_INPUT'],
      ['mutation { createUser(input: { email: "not-an-email", name: "X" }) { id } }', {}, 'BAD_USER_INPUT'],
      [
        'mutation { createUser(input: { email: "ann@acme.test", name: "Dup" }) { id } }',
        {},
        'BAD_USER_INPUT',
      ],
      ['mutation { createUser(input: { email: "ok@acme.test", name: "" }) { id } }', {}, 'BAD_USER_INPUT'],
      [
        'mutation { createUser(input: { email: "ok@acme.test", name: "X" }) { id } }',
        {},
        'SCOPE_REQUIRED',
        { scopes: ['read'] },
      ],
      [
        'mutation { createUser(input: { email: "ok@acme.test", name: "X", role: KING }) { id } }',
        {},
        'GRAPHQL_VALIDATION_FAILED',
      ],
    ];
    for (const [query, variables, code, extra] of cases) {
      const r = await gql(query, { ...acme, ...extra }, variables);
      expect(r.status, query).toBeLessThan(500);
      expect(r.errors?.[0]?.extensions?.code, query).toBe(code);
    }
  });

  if (backend === 'PostgreSQL shards with replicas') {
    it('spreads tenants over both shards and reads from the streaming replica', async () => {
      const reader = { tenantId: acme.tenantId, userId: `${acme.tenantId}:reader` };
      const deadline = Date.now() + 15_000;
      let replicaRead = false;
      while (!replicaRead && Date.now() < deadline) {
        statements.length = 0;
        await gql('{ users(first: 1) { edges { node { id } } } }', reader);
        replicaRead = statements.some((s) => s.target === 'replica' && /FROM users/.test(s.sql));
        if (!replicaRead) await new Promise((r) => setTimeout(r, 250));
      }
      expect(replicaRead).toBe(true);
      const router = subgraph.running.services.storage.router;
      const tenants = Array.from({ length: 20 }, (_, i) => `tenant${i}`);
      expect(new Set(tenants.map((t) => router.route(t))).size).toBe(2);
    });
  }
});
