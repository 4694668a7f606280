import { randomUUID } from 'node:crypto';
import type { DeliveredMessage } from '@intelgraph/message-queue-enhanced';
import { ShardedEventStore } from '@intelgraph/subgraph-runtime';
import { TEST_BACKENDS, TestSubgraph } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVESTIGATIONS_EVENT_SCHEMA, investigationsSubgraph, rebuildProjection } from '../src/index.js';

interface Inv {
  id: string;
  title: string;
  status: string;
  version: number;
  entityCount: number;
  entities: Array<{ id: string }>;
}

describe.each(TEST_BACKENDS)('investigations on %s', (backend) => {
  const subgraph = new TestSubgraph(investigationsSubgraph, { backend });
  const gql = subgraph.request;
  const delivered: DeliveredMessage[] = [];
  const tenant = `acme${randomUUID().slice(0, 6)}`;
  const analyst = { tenantId: tenant, userId: `${tenant}:analyst` };
  const other = { tenantId: `globex${randomUUID().slice(0, 6)}`, userId: 'g:u' };
  const entity = () => `${tenant}:${randomUUID()}`;
  const FIELDS = 'id title status version entityCount entities { id }';
  const createInvestigation = async (title: string) => {
    const r = await gql<{ createInvestigation: Inv }>(
      `mutation($t: String!) { createInvestigation(input: { title: $t, description: "d" }) { ${FIELDS} } }`,
      analyst,
      { t: title },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.createInvestigation;
  };
  const addEntity = (investigationId: string, entityId: string, who = analyst) =>
    gql<{ addEntity: Inv }>(
      `mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { ${FIELDS} } }`,
      who,
      {
        i: investigationId,
        e: entityId,
      },
    );

  beforeAll(async () => {
    const running = await subgraph.start();
    await running.services.transport.subscribe('investigation', (m) => {
      delivered.push(m);
    });
  });
  afterAll(() => subgraph.stop());

  it('creates, adds entities (idempotently) and closes through events; the projection follows', async () => {
    const inv = await createInvestigation('Operation Lovelace');
    expect(inv).toMatchObject({
      title: 'Operation Lovelace',
      status: 'OPEN',
      version: 1,
      entityCount: 0,
      entities: [],
    });
    const [e1, e2] = [entity(), entity()];
    expect((await addEntity(inv.id, e1)).data?.addEntity).toMatchObject({
      version: 2,
      entityCount: 1,
      entities: [{ id: e1 }],
    });
    expect((await addEntity(inv.id, e2)).data?.addEntity).toMatchObject({
      version: 3,
      entities: [{ id: e1 }, { id: e2 }],
    });
    expect((await addEntity(inv.id, e1)).data?.addEntity).toMatchObject({ version: 3, entityCount: 2 });

    const stale = await gql(
      `mutation { closeInvestigation(id: "${inv.id}", expectedVersion: 2) { id } }`,
      analyst,
    );
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONCURRENCY_CONFLICT', actualVersion: 3 });
    const closed = await gql<{ closeInvestigation: Inv & { closedAt: string } }>(
      `mutation { closeInvestigation(id: "${inv.id}", expectedVersion: 3) { status version closedAt } }`,
      analyst,
    );
    expect(closed.data?.closeInvestigation).toMatchObject({ status: 'CLOSED', version: 4 });
    expect(closed.data?.closeInvestigation.closedAt).toMatch(/^\d{4}-/);
    expect((await addEntity(inv.id, entity())).errors?.[0]?.extensions?.code).toBe('INVESTIGATION_CLOSED');
    expect(
      (await gql(`mutation { closeInvestigation(id: "${inv.id}") { id } }`, analyst)).errors?.[0]?.extensions
        ?.code,
    ).toBe('INVESTIGATION_CLOSED');

    const store = new ShardedEventStore(subgraph.running.services.storage, {
      schema: INVESTIGATIONS_EVENT_SCHEMA,
    }).storeOf(tenant);
    expect((await store.readStream(inv.id)).map((e) => e.eventType)).toEqual([
      'InvestigationCreated',
      'EntityAdded',
      'EntityAdded',
      'InvestigationClosed',
    ]);
    const deadline = Date.now() + 10_000;
    while (delivered.filter((m) => m.key === inv.id).length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(delivered.filter((m) => m.key === inv.id).map((m) => m.type)).toEqual([
      'InvestigationCreated',
      'EntityAdded',
      'EntityAdded',
      'InvestigationClosed',
    ]);
  });

  it('applies concurrent addEntity commands without losing one (conflicts are retried)', async () => {
    const inv = await createInvestigation('Concurrent');
    const ids = Array.from({ length: 5 }, entity);
    const results = await Promise.all(ids.map((e) => addEntity(inv.id, e)));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const after = await gql<{ investigation: Inv }>(
      `{ investigation(id: "${inv.id}") { ${FIELDS} } }`,
      analyst,
    );
    expect(after.data?.investigation.entityCount).toBe(5);
    expect(after.data?.investigation.version).toBe(6);
    expect(new Set(after.data?.investigation.entities.map((e) => e.id))).toEqual(new Set(ids));
  });

  it('rebuilds the same read model from the events alone', async () => {
    const before = await gql<{ investigations: { edges: Array<{ node: Inv }> } }>(
      `{ investigations(first: 100) { edges { node { ${FIELDS} } } } }`,
      analyst,
    );
    const applied = await rebuildProjection(
      subgraph.running.services.storage,
      new ShardedEventStore(subgraph.running.services.storage, { schema: INVESTIGATIONS_EVENT_SCHEMA }),
    );
    expect(applied).toBe(10);
    const after = await gql(`{ investigations(first: 100) { edges { node { ${FIELDS} } } } }`, {
      ...analyst,
      userId: `${tenant}:other`,
    });
    expect(after.data).toEqual(before.data);
  });

  it('resolves Investigation and Entity references in batches, and filters by status', async () => {
    const list = await gql<{ investigations: { edges: Array<{ node: Inv }> } }>(
      '{ investigations(first: 10, status: OPEN) { edges { node { id status entities { id } } } } }',
      analyst,
    );
    const open = list.data!.investigations.edges.map((e) => e.node);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((i) => i.status === 'OPEN')).toBe(true);
    const entityIds = open.flatMap((i) => i.entities.map((e) => e.id));
    const refs = await gql<{ _entities: Array<{ investigations: Array<{ id: string }> }> }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Entity { investigations { id title } } } }',
      analyst,
      { r: entityIds.map((id) => ({ __typename: 'Entity', id })) },
    );
    expect(refs.data?._entities.every((e) => e.investigations.length === 1)).toBe(true);
  });

  it('keeps tenants apart and refuses bad input with coded errors', async () => {
    const mine = (await createInvestigation('Secret')).id;
    const foreign = await gql(`{ investigation(id: "${mine}") { id title } }`, other);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    for (const id of Array.from({ length: 10 }, () => `t${randomUUID().slice(0, 5)}:${randomUUID()}`)) {
      const r = await gql('query($id: ID!) { investigation(id: $id) { id } }', analyst, { id });
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect((await addEntity(mine, entity(), other)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await addEntity(mine, `${other.tenantId}:${randomUUID()}`)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    const refs = await gql<{ _entities: unknown[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Investigation { id title } } }',
      other,
      { r: [{ __typename: 'Investigation', id: mine }] },
    );
    expect(refs.data?._entities).toEqual([null]);
    const cases: Array<[string, string, string[]?]> = [
      ['mutation { createInvestigation(input: { title: "" }) { id } }', 'BAD_USER_INPUT'],
      ['mutation { addEntity(investigationId: "bad", entityId: "bad") { id } }', 'BAD_USER_INPUT'],
      [`mutation { addEntity(investigationId: "${mine}", entityId: "nope") { id } }`, 'BAD_USER_INPUT'],
      [`mutation { closeInvestigation(id: "${tenant}:${randomUUID()}") { id } }`, 'NOT_FOUND'],
      ['{ investigations(first: 1000) { edges { cursor } } }', 'BAD_USER_INPUT'],
      ['{ investigations(after: "@@") { edges { cursor } } }', 'BAD_USER_INPUT'],
      ['mutation { createInvestigation(input: { title: "x" }) { id } }', 'SCOPE_REQUIRED', ['read']],
    ];
    for (const [query, code, scopes] of cases) {
      const r = await gql(query, scopes ? { ...analyst, scopes } : analyst);
      expect(r.status, query).toBe(200);
      expect(r.errors?.[0]?.extensions?.code, query).toBe(code);
    }
  });
});
