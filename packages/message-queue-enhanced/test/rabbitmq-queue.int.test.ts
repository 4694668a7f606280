import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { RabbitMQQueue, type RabbitMQQueueOptions } from '../src/rabbitmq/rabbitmq-queue.js';
import type { TransportOptions } from '../src/transport/transport-options.js';
import { runTransportContract } from './contract/transport-contract.js';

const created: RabbitMQQueue[] = [];
const namespace = `igtest-${randomUUID().slice(0, 8)}`;

function rabbit(options: TransportOptions & Partial<RabbitMQQueueOptions> = {}): RabbitMQQueue {
  const queue = new RabbitMQQueue({ url: serviceUrls().amqp, namespace, lagIntervalMs: 200, ...options });
  created.push(queue);
  return queue;
}

afterAll(async () => {
  // Delete what we declared, through a fresh instance per declarer (closed ones cannot talk).
  for (const queue of created) {
    await queue.deleteDeclaredTopology().catch(() => {});
  }
  for (const queue of created) await queue.close();
});

runTransportContract('rabbitmq', (options) => rabbit(options), { timeoutMs: 15_000 });

describe('RabbitMQQueue', () => {
  it('delivers waiting messages by priority (x-max-priority)', async () => {
    const queue = rabbit();
    const topic = `prio-${randomUUID().slice(0, 8)}`;
    await queue.publish(topic, { id: 'low', payload: {}, priority: 'low' });
    await queue.publish(topic, { id: 'normal', payload: {} });
    await queue.publish(topic, { id: 'critical', payload: {}, priority: 'critical' });
    await queue.publish(topic, { id: 'high', payload: {}, priority: 'high' });
    const order: string[] = [];
    const sub = await queue.subscribe(topic, (m) => void order.push(m.id), { prefetch: 1 });
    const deadline = Date.now() + 10_000;
    while (order.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['critical', 'high', 'normal', 'low']);
    await sub.close();
  });

  it('accepts the documented message shape (id, topic, payload, priority, maxRetries)', async () => {
    const queue = rabbit();
    const topic = `doc-${randomUUID().slice(0, 8)}`;
    const got: unknown[] = [];
    const sub = await queue.subscribe(topic, (m) => void got.push(m.payload));
    await queue.publish(topic, {
      id: 'task-123',
      topic,
      payload: { documentId: 'doc-456' },
      priority: 'high',
      maxRetries: 3,
    });
    const deadline = Date.now() + 10_000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([{ documentId: 'doc-456' }]);
    await sub.close();
  });

  it('reports consumer lag and message counters on its registry', async () => {
    const queue = rabbit();
    const topic = `lag-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await queue.publish(topic, { payload: { i } });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sub = await queue.subscribe(topic, () => gate, { prefetch: 1 });
    const lagFor = async () => {
      const metric = await queue.metrics.registry.getSingleMetric('intelgraph_consumer_lag_messages')!.get();
      return metric.values.find((v) => v.labels.topic === topic)?.value;
    };
    const deadline = Date.now() + 10_000;
    while ((await lagFor()) !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await lagFor()).toBe(4);
    release();
    const confirmed = await queue.metrics.registry
      .getSingleMetric('intelgraph_messages_confirmed_total')!
      .get();
    expect(confirmed.values.find((v) => v.labels.topic === topic)?.value).toBe(5);
    await sub.close();
  });

  it('refuses a bad URL at construction', () => {
    expect(() => new RabbitMQQueue({ url: 'http://nope' })).toThrow(/CONFIG_INVALID|amqp/);
  });

  it('fails with TRANSPORT_UNAVAILABLE when the broker cannot be reached', async () => {
    const queue = new RabbitMQQueue({ url: 'amqp://guest:guest@127.0.0.1:1', publishTimeoutMs: 500 });
    await expect(queue.publish('nowhere', { payload: {} })).rejects.toMatchObject({
      code: 'TRANSPORT_UNAVAILABLE',
    });
    await queue.close();
  });
});
