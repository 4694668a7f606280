import { randomUUID } from 'node:crypto';
import {
  type SubscriptionClient,
  subgraphWsClient,
  subscriptionProbe,
  TEST_BACKENDS,
  TestSubgraph,
} from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigationsSubgraph } from '../src/index.js';

interface Update {
  position: string;
  type: string;
  investigation: { id: string; status: string; entityCount: number };
  entity: { id: string } | null;
}

const UPDATED = `subscription($id: ID!, $after: String) {
  investigationUpdated(id: $id, after: $after) {
    position type investigation { id status entityCount } entity { id }
  }
}`;
const EVENTS = `subscription($types: [InvestigationEventType!], $after: String) {
  investigationEvents(types: $types, after: $after) { position type investigation { id } }
}`;

describe.each(TEST_BACKENDS)('investigations subscriptions on %s', (backend) => {
  const subgraph = new TestSubgraph(investigationsSubgraph, { backend });
  const gql = subgraph.request;
  const clients: SubscriptionClient[] = [];
  const tenantId = () => `t${randomUUID().slice(0, 8)}`;
  const client = (tenant: string) => {
    const c = subgraphWsClient(subgraph.running.url, { tenantId: tenant, userId: `${tenant}:u` });
    clients.push(c);
    return c;
  };
  const create = async (tenant: string) => {
    const r = await gql<{ createInvestigation: { id: string } }>(
      'mutation { createInvestigation(input: { title: "t" }) { id } }',
      { tenantId: tenant, userId: `${tenant}:u` },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.createInvestigation.id;
  };
  const addEntity = async (tenant: string, investigationId: string) => {
    const entityId = `${tenant}:${randomUUID()}`;
    const r = await gql(
      'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
      {
        tenantId: tenant,
        userId: `${tenant}:u`,
      },
      { i: investigationId, e: entityId },
    );
    expect(r.errors).toBeUndefined();
    return entityId;
  };

  /** The live-delivery figures of the subgraph's /metrics (what Prometheus scrapes). */
  const liveMetrics = async () => {
    const text = await (await fetch(new URL('/metrics', subgraph.running.url))).text();
    const value = (name: string): number =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return {
      delivered: value('intelgraph_subgraph_live_events_delivered_total'),
      lagCount: value('intelgraph_subgraph_live_delivery_lag_seconds_count'),
      lagSum: value('intelgraph_subgraph_live_delivery_lag_seconds_sum'),
    };
  };

  beforeAll(() => subgraph.start());
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await subgraph.stop();
  });

  it('delivers each change of an investigation, in order, with its position and the state after it', async () => {
    const tenant = tenantId();
    const id = await create(tenant);
    const probe = subscriptionProbe<{ investigationUpdated: Update }>(client(tenant), UPDATED, { id });
    await new Promise((r) => setTimeout(r, 1000)); // subscribed (its feed at the tail) before the writes
    const e1 = await addEntity(tenant, id);
    const e2 = await addEntity(tenant, id);
    await gql('mutation($id: ID!) { closeInvestigation(id: $id) { id } }', { tenantId: tenant }, { id });
    // A live subscription may also get an event committed just before it (the store's visibility
    // horizon is conservative: it never skips a late commit), here the creation.
    const changes = () =>
      probe.results.filter((r) => r.data?.investigationUpdated.type !== 'INVESTIGATION_CREATED');
    await probe.nth(changes().length === probe.results.length ? 2 : 3);
    await new Promise((r) => setTimeout(r, 100));
    const updates = changes().map((r) => r.data!.investigationUpdated);
    expect(updates.map((u) => u.type)).toEqual(['ENTITY_ADDED', 'ENTITY_ADDED', 'INVESTIGATION_CLOSED']);
    expect(updates.map((u) => u.entity?.id ?? null)).toEqual([e1, e2, null]);
    expect(updates[2]!.investigation).toMatchObject({ id, status: 'CLOSED', entityCount: 2 });
    expect(changes()[0]!.extensions?.position).toBe(updates[0]!.position);
    expect(new Set(updates.map((u) => u.position)).size).toBe(3);
    probe.stop();
    await probe.ended;
  });

  it('resumes after a position: the missed events from the store exactly once, in order, then live ones', async () => {
    const tenant = tenantId();
    const id = await create(tenant);
    const first = subscriptionProbe<{ investigationUpdated: Update }>(client(tenant), UPDATED, { id });
    await new Promise((r) => setTimeout(r, 200));
    await addEntity(tenant, id);
    const added = () => first.results.find((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED');
    while (!added()) await first.nth(first.results.length);
    const seen = added()!.data!.investigationUpdated.position;
    first.stop(); // the client goes away …
    const missed = [await addEntity(tenant, id), await addEntity(tenant, id), await addEntity(tenant, id)];
    // … and comes back with the last position it saw.
    const before = await liveMetrics();
    const resumed = subscriptionProbe<{ investigationUpdated: Update }>(client(tenant), UPDATED, {
      id,
      after: seen,
    });
    for (let n = 0; n < 3; n += 1) await resumed.nth(n);
    const live = await addEntity(tenant, id);
    await resumed.nth(3);
    await new Promise((r) => setTimeout(r, 300));
    const got = resumed.results.map((r) => r.data!.investigationUpdated.entity?.id);
    expect(got).toEqual([...missed, live]);
    // Delivery lag (/metrics) counts the live event only: the replayed ones are old by design.
    const after = await liveMetrics();
    expect(after.delivered - before.delivered).toBe(4);
    expect(after.lagCount - before.lagCount).toBe(1);
    expect(after.lagSum).toBeGreaterThanOrEqual(before.lagSum);
    resumed.stop();
  });

  it('never hands a subscriber another tenant’s event, under concurrent writes of several tenants', async () => {
    const tenants = [tenantId(), tenantId(), tenantId()];
    const probes = tenants.map((t) =>
      subscriptionProbe<{
        investigationEvents: { position: string; type: string; investigation: { id: string } };
      }>(client(t), EVENTS, { types: ['INVESTIGATION_CREATED'] }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const created = await Promise.all(
      tenants.map(async (t) => {
        const ids: string[] = [];
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            ids.push(await create(t));
          }),
        );
        return ids;
      }),
    );
    for (const [i, probe] of probes.entries()) {
      await probe.nth(5);
      await new Promise((r) => setTimeout(r, 200));
      const ids = probe.results.map((r) => r.data!.investigationEvents.investigation.id);
      expect(ids.sort()).toEqual([...created[i]!].sort());
      expect(ids.every((x) => x.startsWith(`${tenants[i]}:`))).toBe(true);
      probe.stop();
    }
  });

  it('refuses a foreign or malformed id, and a connection without a signed identity (4403)', async () => {
    const tenant = tenantId();
    const foreign = subscriptionProbe(client(tenant), UPDATED, { id: `${tenantId()}:${randomUUID()}` });
    // A refused subscribe resolver: one `next` with the coded error, then `complete` (graphql-ws).
    await foreign.ended;
    expect(foreign.results[0]?.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const badAfter = subscriptionProbe(client(tenant), EVENTS, { after: 'nope' });
    await badAfter.ended;
    expect(badAfter.results[0]?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const anonymous = subgraphWsClient(subgraph.running.url, null);
    clients.push(anonymous);
    const refused = subscriptionProbe(anonymous, EVENTS);
    await expect(refused.ended).rejects.toMatchObject({ code: 4403 });
  });
});
