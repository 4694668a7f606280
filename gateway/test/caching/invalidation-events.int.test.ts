import { randomUUID } from 'node:crypto';
import {
  CacheInvalidator,
  INVALIDATION_TOPIC,
  invalidationTags,
  MultiTierCache,
} from '@intelgraph/advanced-caching';
import { RabbitMQQueue } from '@intelgraph/message-queue-enhanced';
import { createLogger } from '@intelgraph/telemetry';
import { serviceUrls } from '@intelgraph/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCacheInvalidationEvents } from '../../src/caching/use-cache-invalidation-events.js';
import type { GatewayPlugin, GatewayRuntime } from '../../src/plugin.js';

const namespace = `igtest-${randomUUID().slice(0, 8)}`;
const retry = { baseDelayMs: 20, factor: 2, maxDelayMs: 100, jitter: 0 };
let redis: Redis;
let cache: MultiTierCache;
let consumer: RabbitMQQueue;
let publisher: RabbitMQQueue;
let plugin: GatewayPlugin;
const purged: string[][] = [];

async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

beforeAll(async () => {
  redis = new Redis(serviceUrls().redis);
  cache = new MultiTierCache({ name: 'events-test', prefix: `ig:gw-events:${randomUUID()}`, l2: { redis } });
  consumer = new RabbitMQQueue({ url: serviceUrls().amqp, namespace, retry, defaultMaxRetries: 1 });
  publisher = new RabbitMQQueue({ url: serviceUrls().amqp, namespace, retry });
  plugin = useCacheInvalidationEvents({
    transport: consumer,
    topics: [INVALIDATION_TOPIC],
    invalidator: new CacheInvalidator(cache, redis),
    cdn: { invalidateTags: async (tags) => void purged.push([...tags]) },
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  await plugin.start?.({} as GatewayRuntime);
});

afterAll(async () => {
  await plugin?.stop?.();
  await consumer?.deleteDeclaredTopology().catch(() => {});
  // The publisher declared its default group's queues on publish.
  await publisher?.deleteDeclaredTopology().catch(() => {});
  await consumer?.close();
  await publisher?.close();
  await cache?.close();
  redis?.disconnect();
});

/** What the outbox relay publishes for an event the subgraphs' event store appended. */
function outboxMessage(id: string, aggregateId: string, eventType: string, invalidates: readonly string[]) {
  return {
    id,
    type: eventType,
    key: aggregateId,
    headers: { 'aggregate-type': 'entity', version: '2' },
    payload: {
      aggregateId,
      aggregateType: 'entity',
      eventType,
      version: 2,
      data: { tenantId: 't1' },
      metadata: { tenantId: 't1', invalidates },
    },
  };
}

describe('invalidation from domain events over RabbitMQ', () => {
  it('drops the changed entity (cache and CDN) once per event, and leaves the others', async () => {
    await cache.set('e:1', { name: 'old' }, { ttl: 60, tags: ['Entity', 'Entity:1'] });
    await cache.set('e:2', { name: 'other' }, { ttl: 60, tags: ['Entity', 'Entity:2'] });
    const id = randomUUID();
    const updated = invalidationTags({ tenant: 't1', objects: [{ type: 'Entity', id: '1' }] });
    await publisher.publish(INVALIDATION_TOPIC, outboxMessage(id, '1', 'EntityUpdated', updated));
    // Redelivered by the relay after a crash: same event id.
    await publisher.publish(INVALIDATION_TOPIC, outboxMessage(id, '1', 'EntityUpdated', updated));
    await eventually(async () => (await cache.get('e:1')) === undefined);
    expect(await cache.get('e:1')).toBeUndefined();
    expect(await cache.get('e:2')).toEqual({ name: 'other' });
    // Whatever the event's type or fields: the tags it carries, nothing else (here a set change
    // named with no tenant: every response of the type).
    await publisher.publish(
      INVALIDATION_TOPIC,
      outboxMessage(randomUUID(), '3', 'SomethingNew', ['Entity:3', 'Entity']),
    );
    await eventually(async () => purged.length >= 2);
    expect(purged).toEqual([['Entity:1'], ['Entity:3', 'Entity']]);
    expect(await cache.get('e:2')).toBeUndefined();
  });

  it('dead-letters a message that is not a domain event instead of retrying it', async () => {
    await publisher.publish(INVALIDATION_TOPIC, { id: 'not-an-event', payload: { hello: 'world' } });
    let letters: Awaited<ReturnType<RabbitMQQueue['listDeadLetters']>> = [];
    await eventually(async () => {
      letters = await consumer.listDeadLetters(INVALIDATION_TOPIC, { group: 'gateway-cache' });
      return letters.length > 0;
    });
    expect(letters.map((l) => l.message.id)).toEqual(['not-an-event']);
  });
});
