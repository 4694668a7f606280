import { serviceUrls, startKafkaFaultProxy, uniqueTopic, waitFor } from '@intelgraph/test-support';
import { describe, expect, it } from 'vitest';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';

// DISRUPTIVE (for one port only): a subscription reaches the real broker through the Kafka fault
// proxy (its fixed port is shared with kafka-outbox-relay.int.test.ts, so this runs in the
// disruptive layer, alone) and loses it for longer than its session timeout. The broker itself
// stays up: the publisher talks to it directly.

describe('a Kafka subscription cut off from the broker', { timeout: 120_000 }, () => {
  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`handles every message once the broker is back (${mode}, 15 s, session timeout 6 s)`, async () => {
      await using proxy = await startKafkaFaultProxy();
      const topic = uniqueTopic(`partition-${mode}`);
      const publisher = new KafkaEventStream({
        clientId: `${topic}-pub`,
        brokers: serviceUrls().kafkaBrokers,
      });
      const subscriber = new KafkaEventStream({
        clientId: `${topic}-sub`,
        brokers: proxy.brokers,
        sessionTimeoutMs: 6000,
        connectionTimeoutMs: 1000,
      });
      const handled = new Map<string, number>();
      try {
        await subscriber.subscribe(topic, (m) => void handled.set(m.id, (handled.get(m.id) ?? 0) + 1), {
          group: 'projector',
        });
        for (let i = 0; i < 10; i++)
          await publisher.publish(topic, { id: `before-${i}`, key: `k${i}`, payload: {} });
        await waitFor('the first ten', () => handled.size === 10);
        proxy.setMode(mode);
        for (let i = 0; i < 10; i++)
          await publisher.publish(topic, { id: `during-${i}`, key: `k${i}`, payload: {} });
        // Past the session timeout: the broker drops the member; the client must join again (a
        // refused connection fails fast, a silent one only when its requests time out).
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        proxy.setMode('pass');
        await waitFor('all twenty', () => handled.size === 20, 60_000);
        // At least once: records handled while their commit could not reach the broker come again.
        expect([...handled.keys()].sort()).toEqual(
          [
            ...Array.from({ length: 10 }, (_, i) => `before-${i}`),
            ...Array.from({ length: 10 }, (_, i) => `during-${i}`),
          ].sort(),
        );
      } finally {
        await subscriber.close();
        await publisher.close();
      }
    });
  }
});
