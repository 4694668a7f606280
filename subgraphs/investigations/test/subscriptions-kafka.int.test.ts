import { randomUUID } from 'node:crypto';
import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  type SubscriptionClient,
  subgraphWsClient,
  subscriptionProbe,
  testRuntimeConfig,
} from '@intelgraph/subgraph-runtime/testing';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigationsSubgraph } from '../src/index.js';

/*
 * The real setup's path: two instances of the subgraph on the same shards, events relayed to
 * Kafka by the outbox; the write goes to one instance, the subscriber is on the other, which
 * learns of the event from its own Kafka consumer group and reads it from the event store.
 */
describe('investigations subscriptions over Kafka, across two subgraph instances', () => {
  const kafka = { kafkaBrokers: serviceUrls().kafkaBrokers.join(',') };
  let real: RealShards;
  let writer: RunningSubgraph;
  let reader: RunningSubgraph;
  const clients: SubscriptionClient[] = [];
  const tenant = `k${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    real = await createRealShards('subkafka', 2);
    const config = testRuntimeConfig({ ...kafka, shards: real.shards });
    writer = await startSubgraph(investigationsSubgraph, config);
    reader = await startSubgraph(investigationsSubgraph, config);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await reader?.stop();
    await writer?.stop();
    await real?.drop();
  });

  it('a write on one instance reaches a subscriber on the other, through Kafka', async () => {
    const who = { tenantId: tenant, userId: `${tenant}:u` };
    const created = await graphqlRequest<{ createInvestigation: { id: string } }>(
      writer.url,
      'mutation { createInvestigation(input: { title: "k" }) { id } }',
      { identity: who },
    );
    const id = created.data!.createInvestigation.id;
    const client = subgraphWsClient(reader.url, who);
    clients.push(client);
    const probe = subscriptionProbe<{
      investigationUpdated: { type: string; entity: { id: string } | null };
    }>(client, 'subscription($id: ID!) { investigationUpdated(id: $id) { type entity { id } } }', { id });
    await new Promise((r) => setTimeout(r, 1000));
    const entityId = `${tenant}:${randomUUID()}`;
    const added = await graphqlRequest(
      writer.url,
      'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
      { identity: who, variables: { i: id, e: entityId } },
    );
    expect(added.errors).toBeUndefined();
    const deadline = Date.now() + 30_000;
    while (!probe.results.some((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED')) {
      if (Date.now() > deadline) throw new Error('no update through Kafka');
      await probe.nth(probe.results.length, deadline - Date.now());
    }
    const update = probe.results.find((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED')!;
    expect(update.data!.investigationUpdated.entity).toEqual({ id: entityId });
    probe.stop();
  }, 90_000);
});
