import { KafkaEventStream } from '@intelgraph/message-queue-enhanced';
import { serviceUrls, uniqueTopic, waitFor } from '@intelgraph/test-support';
import { describe, expect, it } from 'vitest';

/**
 * Two instances of a service (two KafkaEventStream clients, as two pods would have) in one
 * consumer group on the real broker: they split the topic's partitions, and when one leaves
 * mid-stream the group rebalances and the other takes over its partitions — every message is
 * handled, none lost, whatever was in flight when the member left.
 */
const instance = (name: string) =>
  new KafkaEventStream({ clientId: name, brokers: serviceUrls().kafkaBrokers, sessionTimeoutMs: 10_000 });

describe('KafkaEventStream consumer-group rebalance (two instances, real Kafka)', () => {
  it('shares the partitions, and hands a leaving instance’s partitions to the other without losing messages', async () => {
    const topic = uniqueTopic('rebalance');
    const group = 'projector';
    const producer = instance('rebalance-producer');
    const a = instance('rebalance-a');
    const b = instance('rebalance-b');
    const byA = new Set<string>();
    const byB = new Set<string>();
    try {
      // Slow handlers: A has records in hand when it leaves.
      const slow = (seen: Set<string>) => async (m: { id: string }) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.add(m.id);
      };
      const subA = await a.subscribe(topic, slow(byA), { group });
      await b.subscribe(topic, slow(byB), { group });
      const ids = Array.from({ length: 90 }, (_, i) => `m-${i}`);
      // Keys spread the messages over the three partitions.
      for (const id of ids.slice(0, 45))
        await producer.publish(topic, { id, key: `k-${id}`, payload: { id } });
      await waitFor('the first half handled', () => new Set([...byA, ...byB]).size === 45);
      expect(byA.size).toBeGreaterThan(0); // both members hold partitions
      expect(byB.size).toBeGreaterThan(0);

      const closing = subA.close(); // A leaves while the second half is being published
      for (const id of ids.slice(45)) await producer.publish(topic, { id, key: `k-${id}`, payload: { id } });
      await closing;
      const after = Array.from({ length: 30 }, (_, i) => `late-${i}`);
      for (const id of after) await producer.publish(topic, { id, key: `k-${id}`, payload: { id } });
      const all = [...ids, ...after];
      await waitFor('every message handled', () => new Set([...byA, ...byB]).size === all.length, 60_000);
      expect([...new Set([...byA, ...byB])].sort()).toEqual([...all].sort());
      // Once A has left, B holds every partition: what was published after went to B alone.
      expect(after.filter((id) => byA.has(id))).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), producer.close()]);
    }
  }, 120_000);
});
