import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DeliveredMessage } from '../../src/messages/message.js';
import type { Transport } from '../../src/transport/transport.js';
import type { TransportOptions } from '../../src/transport/transport-options.js';

export interface TransportContractOptions {
  /** How long to wait for an expected delivery (default 30 s: enough for a Kafka consumer-group join). */
  readonly timeoutMs?: number;
}

/** Options the suite passes to the factory; a factory adds its own (URL, brokers, namespace) on top. */
export const CONTRACT_SCHEMAS = {
  'contract.order-placed': z.object({ orderId: z.string().min(1), amount: z.number().positive() }),
};

export type TransportFactory = (options: TransportOptions) => Promise<Transport> | Transport;

/**
 * The behaviour every Transport promises (see `src/transport/transport.ts`), run against each
 * implementation. Transport-agnostic: each test uses its own topic, subscribes before it
 * publishes, never asserts timing, and waits generously for deliveries.
 */
export function runTransportContract(
  name: string,
  createTransport: TransportFactory,
  contract: TransportContractOptions = {},
): void {
  const timeoutMs = contract.timeoutMs ?? 30_000;
  const testTimeout = timeoutMs * 3;
  const options: TransportOptions = {
    schemas: CONTRACT_SCHEMAS,
    maxMessageBytes: 64 * 1024,
    defaultMaxRetries: 3,
    retry: { baseDelayMs: 50, maxDelayMs: 200, jitter: 0.2 },
  };

  describe(`transport contract: ${name}`, () => {
    let transport: Transport;
    beforeAll(async () => {
      transport = await createTransport(options);
    }, testTimeout);
    afterAll(async () => {
      await transport?.close();
    }, testTimeout);

    const topicFor = (what: string) => `contract.${what}.${randomUUID().slice(0, 8)}`;
    const waitFor = async (what: string, condition: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await condition())) {
        if (Date.now() > deadline)
          throw new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    it(
      'delivers id, payload, key, headers, type and priority to a subscriber',
      async () => {
        const topic = topicFor('deliver');
        const received: DeliveredMessage[] = [];
        const sub = await transport.subscribe(topic, (m) => {
          received.push(m);
        });
        await transport.publish(topic, {
          id: 'm-1',
          type: 'contract.thing-happened',
          payload: { documentId: 'doc-456', nested: { n: 1, list: [1, 'a', null] } },
          key: 'agg-1',
          headers: { 'trace-id': 'abc' },
          priority: 'high',
          maxRetries: 2,
        });
        await waitFor('the delivery', () => received.length === 1);
        const [m] = received;
        expect(m).toMatchObject({
          id: 'm-1',
          topic,
          type: 'contract.thing-happened',
          payload: { documentId: 'doc-456', nested: { n: 1, list: [1, 'a', null] } },
          key: 'agg-1',
          priority: 'high',
          attempt: 1,
          maxRetries: 2,
          group: sub.group,
        });
        expect(m!.headers['trace-id']).toBe('abc');
        expect(typeof m!.timestamp).toBe('number');
        await sub.close();
      },
      testTimeout,
    );

    it(
      'gives every group every message, and shares a group’s messages between its subscribers',
      async () => {
        const topic = topicFor('groups');
        const a1 = new Set<string>();
        const a2 = new Set<string>();
        const b = new Set<string>();
        const subs = [
          await transport.subscribe(topic, (m) => void a1.add(m.id), { group: 'group-a' }),
          await transport.subscribe(topic, (m) => void a2.add(m.id), { group: 'group-a' }),
          await transport.subscribe(topic, (m) => void b.add(m.id), { group: 'group-b' }),
        ];
        const ids = Array.from({ length: 20 }, (_, i) => `g-${i}`);
        for (const [i, id] of ids.entries())
          await transport.publish(topic, { id, key: `k-${i}`, payload: { i } });
        await waitFor(
          'both groups to see all 20',
          () => new Set([...a1, ...a2]).size === 20 && b.size === 20,
        );
        expect([...new Set([...a1, ...a2])].sort()).toEqual([...ids].sort());
        expect([...b].sort()).toEqual([...ids].sort());
        // Shared, not broadcast: a broadcast would give each subscriber all 20.
        expect(a1.size + a2.size).toBeLessThan(40);
        for (const sub of subs) await sub.close();
      },
      testTimeout,
    );

    it(
      'lets one group consume several topics, each subscription getting its own topic’s messages',
      async () => {
        // As the gateway's cache invalidation does: one group, one subscription per topic.
        const topics = [topicFor('multi-a'), topicFor('multi-b'), topicFor('multi-c')];
        const seen = new Map<string, string[]>(topics.map((t) => [t, []]));
        const subs = [];
        for (const topic of topics)
          subs.push(
            await transport.subscribe(topic, (m) => void seen.get(topic)!.push(`${m.topic}/${m.id}`), {
              group: 'one-group',
            }),
          );
        for (const topic of topics)
          for (let i = 0; i < 3; i++)
            await transport.publish(topic, { id: `m-${i}`, key: `k-${i}`, payload: { i } });
        await waitFor('every topic’s 3 messages', () => [...seen.values()].every((ids) => ids.length >= 3));
        for (const topic of topics)
          expect(seen.get(topic)!.sort()).toEqual([`${topic}/m-0`, `${topic}/m-1`, `${topic}/m-2`]);
        for (const sub of subs) await sub.close();
      },
      testTimeout,
    );

    it(
      'keeps publish order for messages with one key',
      async () => {
        const topic = topicFor('order');
        const seen: number[] = [];
        const sub = await transport.subscribe(topic, (m) => void seen.push((m.payload as { n: number }).n), {
          prefetch: 1,
        });
        for (let n = 0; n < 15; n++) await transport.publish(topic, { key: 'one-aggregate', payload: { n } });
        await waitFor('15 deliveries', () => seen.length >= 15);
        expect(seen).toEqual(Array.from({ length: 15 }, (_, n) => n));
        await sub.close();
      },
      testTimeout,
    );

    it(
      'retries a failing handler and acknowledges once it succeeds',
      async () => {
        const topic = topicFor('retry');
        const attempts: number[] = [];
        let done = false;
        const sub = await transport.subscribe(topic, (m) => {
          attempts.push(m.attempt);
          if (m.attempt < 3) throw new Error(`transient failure ${m.attempt}`);
          done = true;
        });
        await transport.publish(topic, { id: 'r-1', payload: { x: 1 }, maxRetries: 3 });
        await waitFor('the third attempt to succeed', () => done);
        expect(attempts).toEqual([1, 2, 3]);
        // Acknowledged: no further delivery and nothing dead-lettered.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(attempts).toEqual([1, 2, 3]);
        expect(await transport.listDeadLetters(topic, { group: sub.group })).toEqual([]);
        await sub.close();
      },
      testTimeout,
    );

    it(
      'dead-letters a message after maxRetries with reason and last error, then replays it',
      async () => {
        const topic = topicFor('dlq');
        const attempts: number[] = [];
        let healthy = false;
        const handled: DeliveredMessage[] = [];
        const sub = await transport.subscribe(topic, (m) => {
          attempts.push(m.attempt);
          if (!healthy) throw new Error(`boom on attempt ${m.attempt}`);
          handled.push(m);
        });
        await transport.publish(topic, { id: 'd-1', key: 'k', payload: { doc: 7 }, maxRetries: 2 });
        await waitFor('the dead letter', async () => (await transport.listDeadLetters(topic)).length === 1);
        expect(attempts).toEqual([1, 2, 3]);
        const [letter] = await transport.listDeadLetters(topic);
        expect(letter!.reason).toBe('max-retries-exceeded');
        expect(letter!.lastError).toContain('boom on attempt 3');
        expect(letter!.message).toMatchObject({ id: 'd-1', topic, payload: { doc: 7 }, key: 'k' });
        // Listing does not consume.
        expect(await transport.listDeadLetters(topic)).toHaveLength(1);

        healthy = true;
        expect(await transport.replayDeadLetters(topic)).toBe(1);
        await waitFor('the replayed delivery', () => handled.length === 1);
        expect(handled[0]).toMatchObject({ id: 'd-1', payload: { doc: 7 }, attempt: 1 });
        await waitFor(
          'the dead-letter queue to empty',
          async () => (await transport.listDeadLetters(topic)).length === 0,
        );
        await sub.close();
      },
      testTimeout,
    );

    it(
      'does not let a poison message block the messages behind it',
      async () => {
        const topic = topicFor('poison');
        const good: string[] = [];
        const sub = await transport.subscribe(
          topic,
          (m) => {
            if ((m.payload as { poison?: boolean }).poison) throw new Error('cannot process');
            good.push(m.id);
          },
          { prefetch: 1 },
        );
        await transport.publish(topic, { id: 'poison', key: 'k', payload: { poison: true }, maxRetries: 2 });
        for (let i = 0; i < 5; i++)
          await transport.publish(topic, { id: `ok-${i}`, key: 'k', payload: { i } });
        await waitFor('the five good messages', () => good.length === 5);
        await waitFor(
          'the poison message in the DLQ',
          async () => (await transport.listDeadLetters(topic)).length === 1,
        );
        expect(good.sort()).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
        expect((await transport.listDeadLetters(topic))[0]!.message.id).toBe('poison');
        await sub.close();
      },
      testTimeout,
    );

    it(
      'dead-letters at once when the handler says the message is invalid',
      async () => {
        const topic = topicFor('invalid');
        const attempts: number[] = [];
        const sub = await transport.subscribe(topic, (m) => {
          attempts.push(m.attempt);
          throw new IntelGraphError('MESSAGE_INVALID', 'unknown document kind');
        });
        await transport.publish(topic, { id: 'i-1', payload: {}, maxRetries: 5 });
        await waitFor('the dead letter', async () => (await transport.listDeadLetters(topic)).length === 1);
        expect(attempts).toEqual([1]);
        const [letter] = await transport.listDeadLetters(topic);
        expect(letter!.reason).toBe('invalid-message');
        expect(letter!.lastError).toContain('unknown document kind');
        await sub.close();
      },
      testTimeout,
    );

    it(
      'refuses a payload that fails its schema, and sends nothing',
      async () => {
        const topic = topicFor('schema');
        const received: string[] = [];
        const sub = await transport.subscribe(topic, (m) => void received.push(m.id));
        const bad = transport.publish(topic, {
          id: 'bad',
          type: 'contract.order-placed',
          payload: { orderId: '', amount: -1 },
        });
        await expect(bad).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
        await expect(
          transport.publish(topic, { id: 'x', payload: {}, priority: 'urgent' as never }),
        ).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
        await transport.publish(topic, {
          id: 'good',
          type: 'contract.order-placed',
          payload: { orderId: 'o-1', amount: 3 },
        });
        await waitFor('the valid message', () => received.length === 1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(received).toEqual(['good']);
        await sub.close();
      },
      testTimeout,
    );

    it(
      'refuses an oversize message',
      async () => {
        const topic = topicFor('size');
        await expect(
          transport.publish(topic, { id: 'big', payload: { blob: 'x'.repeat(70 * 1024) } }),
        ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE', details: { limit: 64 * 1024 } });
      },
      testTimeout,
    );

    it(
      'keeps a group’s messages while it has no subscriber',
      async () => {
        const topic = topicFor('offline');
        const first: string[] = [];
        const sub = await transport.subscribe(topic, (m) => void first.push(m.id), { group: 'offline' });
        await transport.publish(topic, { id: 'before', payload: {} });
        await waitFor('the first message', () => first.length === 1);
        await sub.close();
        for (const id of ['while-1', 'while-2', 'while-3'])
          await transport.publish(topic, { id, payload: {} });
        const later: string[] = [];
        const again = await transport.subscribe(topic, (m) => void later.push(m.id), { group: 'offline' });
        await waitFor('the three waiting messages', () => later.length >= 3);
        expect(later.sort()).toEqual(['while-1', 'while-2', 'while-3']);
        expect(first).toEqual(['before']);
        await again.close();
      },
      testTimeout,
    );

    it(
      'fails a replay of an id that is not dead-lettered with DEAD_LETTER_NOT_FOUND',
      async () => {
        const topic = topicFor('replay-missing');
        const sub = await transport.subscribe(topic, () => {});
        await expect(transport.replayDeadLetters(topic, { ids: ['nope'] })).rejects.toMatchObject({
          code: 'DEAD_LETTER_NOT_FOUND',
        });
        await sub.close();
      },
      testTimeout,
    );

    it(
      'refuses publish and subscribe once closed',
      async () => {
        const own = await createTransport(options);
        await own.close();
        await own.close();
        await expect(own.publish(topicFor('closed'), { payload: {} })).rejects.toMatchObject({
          code: 'TRANSPORT_CLOSED',
        });
        await expect(own.subscribe(topicFor('closed'), () => {})).rejects.toMatchObject({
          code: 'TRANSPORT_CLOSED',
        });
      },
      testTimeout,
    );
  });
}
