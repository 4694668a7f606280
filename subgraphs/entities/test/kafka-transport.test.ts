import { startTestBroker, type TestBroker } from '@intelgraph/kafka-test-broker';
import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import { graphqlRequest, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitiesSubgraph } from '../src/index.js';

// No external service: embedded PGlite shards and the in-repo Kafka-protocol test broker.
describe('entities with KAFKA_BROKERS: entity events reach Kafka through the outbox relay', () => {
  let broker: TestBroker;
  let running: RunningSubgraph;
  const analyst = { tenantId: 'kafkatenant', userId: 'kafkatenant:analyst' };

  beforeAll(async () => {
    broker = await startTestBroker({ defaultPartitions: 3 });
    running = await startSubgraph(
      entitiesSubgraph,
      testRuntimeConfig({ embeddedShards: 1, kafkaBrokers: broker.brokers.join(',') }),
    );
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await broker?.stop();
  });

  it('publishes EntityCreated and EntityUpdated on the entity topic, keyed by the entity id', async () => {
    expect(running.services.transport.kind).toBe('kafka');
    const created = await graphqlRequest<{ createEntity: { id: string } }>(
      running.url,
      'mutation { createEntity(input: { kind: EVENT, name: "Difference Engine demo" }) { id } }',
      { identity: analyst },
    );
    const id = created.data!.createEntity.id;
    await graphqlRequest(
      running.url,
      `mutation { updateEntity(id: "${id}", input: { name: "Demo" }) { id } }`,
      {
        identity: analyst,
      },
    );
    const types = (): string[] => {
      const all = [0, 1, 2].flatMap((p) => broker.records('entity', p));
      return all
        .filter((r) => r.key?.toString() === id)
        .map((r) => (JSON.parse(r.value!.toString()) as { eventType: string }).eventType);
    };
    const deadline = Date.now() + 20_000;
    while (types().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(types()).toEqual(['EntityCreated', 'EntityUpdated']);
  }, 60_000);
});
