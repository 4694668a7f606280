import { randomUUID } from 'node:crypto';
import type { QueryEvent } from '@intelgraph/database-sharding';
import type { DeliveredMessage } from '@intelgraph/message-queue-enhanced';
import { TEST_BACKENDS, TestSubgraph } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitiesSubgraph } from '../src/index.js';

describe.each(TEST_BACKENDS)('entities on %s', (backend) => {
  const subgraph = new TestSubgraph(entitiesSubgraph, { backend });
  const gql = subgraph.request;
  const statements: QueryEvent[] = [];
  const delivered: DeliveredMessage[] = [];
  const invalidationEvents: DeliveredMessage[] = [];
  const tenant = `acme${randomUUID().slice(0, 6)}`;
  const analyst = { tenantId: tenant, userId: `${tenant}:analyst` };
  const other = { tenantId: `globex${randomUUID().slice(0, 6)}`, userId: 'x:y' };
  const ids: string[] = [];
  const create = async (name: string, kind = 'PERSON', who = analyst) => {
    const r = await gql<{ createEntity: { id: string } }>(
      'mutation($i: CreateEntityInput!) { createEntity(input: $i) { id } }',
      who,
      { i: { kind, name, attributes: [{ key: 'source', value: 'test' }] } },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.createEntity.id;
  };

  beforeAll(async () => {
    const running = await subgraph.start();
    running.services.storage.distributor.onQuery((e) => statements.push(e));
    await running.services.transport.subscribe('entity', (m) => {
      delivered.push(m);
    });
    await running.services.transport.subscribe('cache-invalidation', (m) => {
      invalidationEvents.push(m);
    });
  });
  afterAll(() => subgraph.stop());

  it('creates, reads and updates an entity; each change is an event on the entity topic', async () => {
    const id = await create('Ada Lovelace');
    ids.push(id);
    expect(id.startsWith(`${tenant}:`)).toBe(true);
    const read = await gql(
      `{ entity(id: "${id}") { name kind version attributes { key value } createdBy { id } } }`,
      analyst,
    );
    expect(read.data).toEqual({
      entity: {
        name: 'Ada Lovelace',
        kind: 'PERSON',
        version: 1,
        attributes: [{ key: 'source', value: 'test' }],
        createdBy: { id: analyst.userId },
      },
    });
    const updated = await gql(
      'mutation($id: ID!) { updateEntity(id: $id, input: { name: "Ada King", expectedVersion: 1 }) { name version } }',
      analyst,
      { id },
    );
    expect(updated.data).toEqual({ updateEntity: { name: 'Ada King', version: 2 } });
    const reread = await gql(`{ entity(id: "${id}") { name version } }`, analyst);
    expect(reread.data).toEqual({ entity: { name: 'Ada King', version: 2 } });

    const stale = await gql(
      'mutation($id: ID!) { updateEntity(id: $id, input: { name: "Lost", expectedVersion: 1 }) { name } }',
      analyst,
      { id },
    );
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONCURRENCY_CONFLICT', actualVersion: 2 });

    const deadline = Date.now() + 10_000;
    while (
      delivered.filter((m) => (m.payload as { aggregateId?: string }).aggregateId === id).length < 2 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = delivered.filter((m) => (m.payload as { aggregateId?: string }).aggregateId === id);
    expect(mine.map((m) => m.type)).toEqual(['EntityCreated', 'EntityUpdated']);
    expect(mine[1]?.payload).toMatchObject({
      aggregateType: 'entity',
      version: 2,
      data: { tenantId: tenant, entityId: id, changes: { name: 'Ada King' } },
      metadata: { tenantId: tenant, userId: analyst.userId, invalidates: [`Entity:${id}`] },
    });
    // The creation declared its set change (the tenant's entity lists, the creator's count).
    expect(mine[0]?.payload).toMatchObject({
      metadata: {
        invalidates: [`Entity:${id}`, `User:${analyst.userId}`, `Entity@${tenant}`, 'Entity@*'],
      },
    });
    // Both also went to the invalidation topic, the one the gateway's caches consume.
    const deadlineInvalidation = Date.now() + 10_000;
    const invalidations = () =>
      invalidationEvents.filter((m) => (m.payload as { aggregateId?: string }).aggregateId === id);
    while (invalidations().length < 2 && Date.now() < deadlineInvalidation)
      await new Promise((r) => setTimeout(r, 50));
    expect(invalidations().map((m) => m.type)).toEqual(['EntityCreated', 'EntityUpdated']);
  });

  it('updating a missing entity is NOT_FOUND and stores no event', async () => {
    const missing = `${tenant}:${randomUUID()}`;
    const r = await gql(
      'mutation($id: ID!) { updateEntity(id: $id, input: { name: "X" }) { id } }',
      analyst,
      { id: missing },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const { stores } = { stores: [...subgraph.running.services.storage.manager.shards] };
    for (const shard of stores) {
      const { rows } = await shard.primary.pool.query(
        'SELECT count(*)::int AS n FROM entities_events.events WHERE aggregate_id = $1',
        [missing],
      );
      expect(rows[0].n).toBe(0);
    }
  });

  it('links entities, lists links both ways, and counts them in one statement per list', async () => {
    const [a, b, c] = [ids[0]!, await create('Charles Babbage'), await create('London', 'LOCATION')];
    ids.push(b, c);
    const link = (from: string, to: string, kind: string) =>
      gql<{ linkEntities: { id: string; from: { id: string }; to: { name: string } } }>(
        'mutation($i: LinkEntitiesInput!) { linkEntities(input: $i) { id kind from { id } to { name } } }',
        analyst,
        { i: { fromId: from, toId: to, kind } },
      );
    const ab = await link(a, b, 'WORKED_WITH');
    expect(ab.data?.linkEntities).toMatchObject({ from: { id: a }, to: { name: 'Charles Babbage' } });
    const again = await link(a, b, 'WORKED_WITH');
    expect(again.data?.linkEntities.id).toBe(ab.data?.linkEntities.id);
    await link(c, a, 'HOME_OF');
    expect((await link(a, a, 'SELF')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await link(a, `${tenant}:${randomUUID()}`, 'X')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await link(a, `${other.tenantId}:${randomUUID()}`, 'X')).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );

    statements.length = 0;
    const r = await gql<{
      entities: {
        edges: Array<{
          node: { name: string; relationshipCount: number; relationships: { edges: unknown[] } };
        }>;
      };
    }>(
      '{ entities(first: 10) { edges { node { name relationshipCount relationships(first: 5) { edges { node { kind from { name } to { name } } } } } } } }',
      analyst,
    );
    const byName = Object.fromEntries(r.data!.entities.edges.map((e) => [e.node.name, e.node]));
    expect(byName['Ada King']?.relationshipCount).toBe(2);
    expect(byName['Charles Babbage']?.relationships.edges).toHaveLength(1);
    expect(byName.London?.relationshipCount).toBe(1);
    // one page query + one links query + one count query + one entity lookup for link ends
    expect(statements.length).toBeLessThanOrEqual(4);
  });

  it('pages entities with a kind filter and refuses bad page arguments with BAD_USER_INPUT', async () => {
    const people = await gql<{
      entities: {
        edges: Array<{ node: { kind: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(
      '{ entities(first: 1, kind: PERSON) { edges { node { kind } } pageInfo { hasNextPage endCursor } } }',
      analyst,
    );
    expect(people.errors).toBeUndefined();
    expect(people.data?.entities.edges.map((e) => e.node.kind)).toEqual(['PERSON']);
    expect(people.data?.entities.pageInfo.hasNextPage).toBe(true);
    const next = await gql<{
      entities: { edges: Array<{ node: { kind: string } }>; pageInfo: { hasNextPage: boolean } };
    }>(
      `{ entities(first: 5, kind: PERSON, after: "${people.data?.entities.pageInfo.endCursor}") { edges { node { kind } } pageInfo { hasNextPage } } }`,
      analyst,
    );
    expect(next.data?.entities.edges).toHaveLength(1);
    expect(next.data?.entities.pageInfo.hasNextPage).toBe(false);
    for (const q of [
      '{ entities(first: 101) { edges { cursor } } }',
      '{ entities(after: "zzz") { edges { cursor } } }',
    ]) {
      const bad = await gql(q, analyst);
      expect(bad.status).toBe(200);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('resolves User references with @requires data and batched per-user lists', async () => {
    const users = [analyst.userId, `${tenant}:nobody`];
    statements.length = 0;
    const r = await gql<{
      _entities: Array<{
        entityCount: number;
        entitySummary: string;
        createdEntities: { edges: unknown[] };
      }>;
    }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { entityCount entitySummary createdEntities(first: 2) { edges { node { name } } pageInfo { hasNextPage } } } } }',
      analyst,
      { r: users.map((id, i) => ({ __typename: 'User', id, name: i === 0 ? 'Ann' : 'Nobody' })) },
    );
    expect(r.data?._entities[0]).toMatchObject({ entityCount: 3, entitySummary: 'Ann created 3 entities' });
    expect(r.data?._entities[0]?.createdEntities.edges).toHaveLength(2);
    expect(r.data?._entities[1]).toMatchObject({
      entityCount: 0,
      entitySummary: 'Nobody created 0 entities',
    });
    expect(statements).toHaveLength(2);
  });

  it('never serves another tenant’s entity: random foreign ids are NOT_FOUND or null', async () => {
    const foreign = [
      ...ids,
      ...Array.from({ length: 10 }, () => `t${randomUUID().slice(0, 6)}:${randomUUID()}`),
    ];
    for (const id of foreign) {
      const r = await gql('query($id: ID!) { entity(id: $id) { id name } }', other, { id });
      expect(r.data).toEqual({ entity: null });
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const refs = await gql<{ _entities: unknown[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Entity { id name } } }',
      other,
      { r: foreign.map((id) => ({ __typename: 'Entity', id })) },
    );
    expect(refs.data?._entities.every((e) => e === null)).toBe(true);
    const update = await gql(
      'mutation($id: ID!) { updateEntity(id: $id, input: { name: "pwned" }) { id } }',
      other,
      {
        id: ids[0],
      },
    );
    expect(update.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const list = await gql<{ entities: { edges: unknown[] } }>('{ entities { edges { cursor } } }', other);
    expect(list.data?.entities.edges).toEqual([]);
  });

  it('refuses invalid mutation input and missing scopes with coded errors', async () => {
    const cases: Array<[string, string, string[]?]> = [
      ['mutation { createEntity(input: { kind: PERSON, name: "  " }) { id } }', 'BAD_USER_INPUT'],
      [
        'mutation { createEntity(input: { kind: PERSON, name: "x", attributes: [{ key: "a", value: "1" }, { key: "a", value: "2" }] }) { id } }',
        'BAD_USER_INPUT',
      ],
      [`mutation { updateEntity(id: "${ids[0]}", input: {}) { id } }`, 'BAD_USER_INPUT'],
      ['mutation { updateEntity(id: "garbage", input: { name: "x" }) { id } }', 'BAD_USER_INPUT'],
      ['mutation { createEntity(input: { kind: PERSON, name: "x" }) { id } }', 'SCOPE_REQUIRED', ['read']],
    ];
    for (const [query, code, scopes] of cases) {
      const r = await gql(query, scopes ? { ...analyst, scopes } : analyst);
      expect(r.status, query).toBe(200);
      expect(r.errors?.[0]?.extensions?.code, query).toBe(code);
    }
  });
});
