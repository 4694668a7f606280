import { type KafkaLog, openKafkaLog, serviceUrls, uniqueTopic, waitFor } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaGroupId } from '../src/kafka/kafka-codec.js';
import { KafkaEventStream, type KafkaEventStreamOptions } from '../src/kafka/kafka-event-stream.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import type { TransportOptions } from '../src/transport/transport-options.js';

/**
 * KafkaEventStream's retry and dead-letter topics and its transactional `transform`, against the
 * real Apache Kafka broker scripts/dev/services.sh runs (TEST_KAFKA_BROKERS). What reached the
 * broker is read back with an independent client (helpers/kafka-log.ts).
 */
let log: KafkaLog;
beforeAll(async () => {
  log = await openKafkaLog();
});
afterAll(async () => {
  await log?.close();
});

let clients = 0;
function streamFor(options: TransportOptions & Partial<KafkaEventStreamOptions> = {}): KafkaEventStream {
  clients += 1;
  return new KafkaEventStream({
    clientId: `kafka-event-stream-test-${clients}`,
    brokers: serviceUrls().kafkaBrokers,
    sessionTimeoutMs: 10_000,
    ...options,
  });
}

/** Offsets committed on `topic` by the Kafka group of the transport group `group` (see kafkaGroupId). */
const committedTotal = (group: string, topic: string) =>
  log.committedTotal(kafkaGroupId(topic, group), topic);
const recordsOf = (topic: string) => log.records(topic);

describe('KafkaEventStream retry and dead-letter topics (real Kafka)', { timeout: 60_000 }, () => {
  it('parks failed attempts on the group’s retry topic, then the message on its dead-letter topic', async () => {
    const stream = streamFor({ retry: { baseDelayMs: 20, maxDelayMs: 50, jitter: 0 } });
    try {
      const attempts: number[] = [];
      const payments = uniqueTopic('payments');
      const sub = await stream.subscribe(
        payments,
        (m) => {
          attempts.push(m.attempt);
          throw new Error(`declined on attempt ${m.attempt}`);
        },
        { group: 'billing' },
      );
      await stream.publish(payments, { id: 'pay-1', key: 'acct-9', payload: { amount: 5 }, maxRetries: 2 });
      await waitFor('the dead letter', async () => (await recordsOf(`${payments}.dlq.billing`)).length === 1);
      expect(attempts).toEqual([1, 2, 3]);

      const retried = await recordsOf(`${payments}.retry.billing`);
      expect(retried.map((r) => r.headers['x-ig-attempt'])).toEqual(['2', '3']);
      expect(retried.every((r) => r.headers['x-ig-id'] === 'pay-1')).toBe(true);
      expect(retried.every((r) => Number(r.headers['x-ig-retry-at']) > 0)).toBe(true);

      const [dead] = await recordsOf(`${payments}.dlq.billing`);
      expect(dead?.headers).toMatchObject({
        'x-ig-id': 'pay-1',
        'x-ig-dead-letter-reason': 'max-retries-exceeded',
        'x-ig-last-error': expect.stringContaining('declined on attempt 3'),
      });
      expect(JSON.parse(dead?.value ?? 'null')).toEqual({ amount: 5 });
      // Another group's topics are untouched: retries and dead letters belong to one group.
      expect(
        (await log.topicNames()).filter((t) => t.startsWith(`${payments}.`) && !t.endsWith('.billing')),
      ).toEqual([]);
      // The source record was committed once it was parked.
      await waitFor('the commit', async () => (await committedTotal('billing', payments)) === 1n);
      await sub.close();
    } finally {
      await stream.close();
    }
  });

  it('replays a dead letter through the retry topic and marks it replayed on the dead-letter topic', async () => {
    const stream = streamFor({ retry: { baseDelayMs: 20, maxDelayMs: 50, jitter: 0 } });
    try {
      let healthy = false;
      const handled: DeliveredMessage[] = [];
      const invoices = uniqueTopic('invoices');
      const sub = await stream.subscribe(
        invoices,
        (m) => {
          if (!healthy) throw new Error('ledger offline');
          handled.push(m);
        },
        { group: 'ledger' },
      );
      // Keyed here; keyless dead letters are covered below.
      await stream.publish(invoices, { id: 'inv-1', key: 'customer-4', payload: { n: 1 }, maxRetries: 0 });
      await waitFor(
        'the dead letter',
        async () => (await stream.listDeadLetters(invoices, { group: 'ledger' })).length === 1,
      );
      healthy = true;
      expect(await stream.replayDeadLetters(invoices, { group: 'ledger' })).toBe(1);
      await waitFor('the replayed delivery', () => handled.length === 1);
      expect(handled[0]).toMatchObject({ id: 'inv-1', attempt: 1 });
      const dlq = await recordsOf(`${invoices}.dlq.ledger`);
      expect(dlq.map((r) => r.headers['x-ig-dlq-replayed'] ?? r.headers['x-ig-id'])).toEqual([
        'inv-1',
        'inv-1',
      ]);
      expect(await stream.listDeadLetters(invoices, { group: 'ledger' })).toEqual([]);
      await sub.close();
    } finally {
      await stream.close();
    }
  });
});

describe('KafkaEventStream dead letters without keys', { timeout: 60_000 }, () => {
  it('replays keyless dead letters spread over partitions, and none stays listed', async () => {
    const stream = streamFor({ retry: { baseDelayMs: 20, maxDelayMs: 50, jitter: 0 } });
    try {
      let healthy = false;
      const handled = new Set<string>();
      const receipts = uniqueTopic('receipts');
      const sub = await stream.subscribe(
        receipts,
        (m) => {
          if (!healthy) throw new Error('archive offline');
          handled.add(m.id);
        },
        { group: 'archive' },
      );
      const ids = Array.from({ length: 8 }, (_, i) => `rcpt-${i}`);
      for (const id of ids) await stream.publish(receipts, { id, payload: { id }, maxRetries: 0 });
      await waitFor(
        'the dead letters',
        async () => (await stream.listDeadLetters(receipts, { group: 'archive' })).length === ids.length,
      );
      const letters = await recordsOf(`${receipts}.dlq.archive`);
      expect(new Set(letters.map((r) => r.partition)).size).toBeGreaterThan(1);
      healthy = true;
      expect(await stream.replayDeadLetters(receipts, { group: 'archive' })).toBe(ids.length);
      await waitFor('the replayed deliveries', () => handled.size === ids.length);
      // Each marker sits on its own letter's partition, after it.
      const after = await recordsOf(`${receipts}.dlq.archive`);
      for (const marker of after.filter((r) => r.headers['x-ig-dlq-replayed'] !== undefined)) {
        const letter = after.find((r) => r.headers['x-ig-id'] === marker.headers['x-ig-dlq-replayed']);
        expect(letter?.partition).toBe(marker.partition);
      }
      expect(await stream.listDeadLetters(receipts, { group: 'archive' })).toEqual([]);
      await sub.close();
    } finally {
      await stream.close();
    }
  });
});

describe('KafkaEventStream transform (Kafka transactions)', { timeout: 60_000 }, () => {
  it('produces each input’s outputs and commits its offset in one transaction', async () => {
    const stream = streamFor();
    try {
      const raw = uniqueTopic('raw-events');
      const enriched = uniqueTopic('enriched-events');
      const transform = await stream.transform(
        raw,
        enriched,
        (m) => [{ id: `${m.id}-enriched`, key: m.key, payload: { enriched: m.payload } }],
        { group: 'enricher', transactionalId: `enricher-${raw}` },
      );
      const outputs: DeliveredMessage[] = [];
      const reader = await stream.subscribe(enriched, (m) => void outputs.push(m), {
        group: 'reader',
      });
      for (const n of [1, 2, 3]) await stream.publish(raw, { id: `e-${n}`, key: 'k', payload: { n } });
      await waitFor('three enriched events', () => outputs.length === 3);
      expect(outputs.map((m) => [m.id, m.payload])).toEqual([
        ['e-1-enriched', { enriched: { n: 1 } }],
        ['e-2-enriched', { enriched: { n: 2 } }],
        ['e-3-enriched', { enriched: { n: 3 } }],
      ]);
      expect((await recordsOf(enriched)).every((r) => r.headers['x-ig-id']?.endsWith('-enriched'))).toBe(
        true,
      );
      await waitFor('three commits', async () => (await committedTotal('enricher', raw)) === 3n);
      await reader.close();
      await transform.close();
    } finally {
      await stream.close();
    }
  });
});
