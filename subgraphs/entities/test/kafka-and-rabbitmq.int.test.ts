import { randomUUID } from 'node:crypto';
import { type DeliveredMessage, RabbitMQQueue } from '@intelgraph/message-queue-enhanced';
import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import { graphqlRequest, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { type KafkaLog, openKafkaLog, serviceUrls, waitFor } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitiesSubgraph } from '../src/index.js';

// KAFKA_BROKERS and AMQP_URL together: the outbox relay sends every event to the Kafka log and to
// RabbitMQ (both the real brokers), as DESIGN's data flow has it.
describe('entities with KAFKA_BROKERS and AMQP_URL: events reach both', () => {
  let log: KafkaLog;
  let running: RunningSubgraph;
  let listener: RabbitMQQueue;
  const fromRabbit: DeliveredMessage[] = [];
  const analyst = { tenantId: `both${randomUUID().slice(0, 6)}`, userId: undefined as string | undefined };

  beforeAll(async () => {
    log = await openKafkaLog();
    listener = new RabbitMQQueue({ url: serviceUrls().amqp, namespace: 'intelgraph' });
    await listener.subscribe('entity', (m) => void fromRabbit.push(m), {
      group: `test-${randomUUID().slice(0, 8)}`,
    });
    running = await startSubgraph(
      entitiesSubgraph,
      testRuntimeConfig({
        embeddedShards: 1,
        kafkaBrokers: serviceUrls().kafkaBrokers.join(','),
        amqpUrl: serviceUrls().amqp,
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await listener?.close();
    await listener?.deleteDeclaredTopology({ keepExchange: true });
    await log?.close();
  });

  it('publishes EntityCreated once on each', async () => {
    expect(running.services.transport.kind).toBe('kafka+rabbitmq');
    analyst.userId = `${analyst.tenantId}:analyst`;
    const created = await graphqlRequest<{ createEntity: { id: string } }>(
      running.url,
      'mutation { createEntity(input: { kind: EVENT, name: "Both ways" }) { id } }',
      { identity: analyst },
    );
    const id = created.data!.createEntity.id;
    const onKafka = async () =>
      (await log.records('entity'))
        .filter((r) => r.key === id)
        .map((r) => (JSON.parse(r.value!) as { eventType: string }).eventType);
    const onRabbit = () =>
      fromRabbit
        .map((m) => m.payload as { aggregateId: string; eventType: string })
        .filter((p) => p.aggregateId === id)
        .map((p) => p.eventType);
    await waitFor('the event on both', async () => (await onKafka()).length >= 1 && onRabbit().length >= 1);
    // Both logs are read again after a pause: a second copy would have arrived by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(await onKafka()).toEqual(['EntityCreated']);
    expect(onRabbit()).toEqual(['EntityCreated']);
  }, 60_000);
});
