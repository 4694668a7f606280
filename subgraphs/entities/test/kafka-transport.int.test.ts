import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import { graphqlRequest, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { type KafkaLog, openKafkaLog, serviceUrls, waitFor } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitiesSubgraph } from '../src/index.js';

// Embedded PGlite shards, and the real Apache Kafka broker (TEST_KAFKA_BROKERS), read back with an
// independent client.
describe('entities with KAFKA_BROKERS: entity events reach Kafka through the outbox relay', () => {
  let log: KafkaLog;
  let running: RunningSubgraph;
  const analyst = { tenantId: 'kafkatenant', userId: 'kafkatenant:analyst' };

  beforeAll(async () => {
    log = await openKafkaLog();
    running = await startSubgraph(
      entitiesSubgraph,
      testRuntimeConfig({ embeddedShards: 1, kafkaBrokers: serviceUrls().kafkaBrokers.join(',') }),
    );
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await log?.close();
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
    const types = async (): Promise<string[]> =>
      (await log.records('entity'))
        .filter((r) => r.key === id)
        .map((r) => (JSON.parse(r.value!) as { eventType: string }).eventType);
    await waitFor('both events on Kafka', async () => (await types()).length >= 2);
    expect(await types()).toEqual(['EntityCreated', 'EntityUpdated']);
  }, 60_000);
});
