import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import amqp from 'amqplib';
import { RabbitMQQueue } from '../src/rabbitmq/rabbitmq-queue.js';
import { median, pairedRounds, percentile, type Row, spread, windowed } from './bench-kit.js';

const MESSAGES = 5000;
const WINDOW = 200;
const LATENCY_MESSAGES = 1000;
const payload = (i: number) => ({
  documentId: `doc-${i}`,
  tenant: 't-1',
  text: 'x'.repeat(150),
  sentAt: Date.now(),
});

/**
 * Confirmed publish throughput, ours (RabbitMQQueue.publish: validate, encode, exchange → durable
 * priority queue, confirm) against raw amqplib (confirm channel, persistent, durable queue), the
 * same number of messages with the same number in flight; then publish → consume latency.
 */
export async function rabbitmqPublishBench(): Promise<Row[]> {
  const url = serviceUrls().amqp;
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  const ours = new RabbitMQQueue({ url, namespace, prefetch: 100, lagIntervalMs: 0 });
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  // The baseline gets the same broker work as ours: a direct exchange routing to a durable
  // priority queue, persistent messages; only the library differs.
  const rawQueue = `${namespace}.raw`;
  const rawExchange = `${namespace}.raw-exchange`;
  await channel.assertQueue(rawQueue, { durable: true, arguments: { 'x-max-priority': 10 } });
  await channel.assertExchange(rawExchange, 'direct', { durable: true });
  await channel.bindQueue(rawQueue, rawExchange, 'raw');
  try {
    const topic = 'bench-publish';
    // Our topology exists before timing (a subscriber would have declared it).
    await ours.publish(topic, { payload: payload(0) });

    const published = await pairedRounds(
      3,
      async () => {
        const start = performance.now();
        await windowed(MESSAGES, WINDOW, (i) =>
          ours.publish(topic, { key: `k${i % 16}`, payload: payload(i) }),
        );
        return MESSAGES / ((performance.now() - start) / 1000);
      },
      async () => {
        const start = performance.now();
        await windowed(
          MESSAGES,
          WINDOW,
          (i) =>
            new Promise<void>((resolve, reject) => {
              channel.publish(
                rawExchange,
                'raw',
                Buffer.from(JSON.stringify(payload(i))),
                { persistent: true, priority: 4, messageId: randomUUID(), contentType: 'application/json' },
                (err) => (err ? reject(err) : resolve()),
              );
            }),
        );
        return MESSAGES / ((performance.now() - start) / 1000);
      },
    );
    const oursRounds = published.ours;
    const rawRounds = published.baseline;
    // Verify: every confirmed message is in the queues (1 + 4 rounds × MESSAGES in ours).
    const oursDepth = (await channel.checkQueue(`${namespace}.${topic}.default`)).messageCount;
    const rawDepth = (await channel.checkQueue(rawQueue)).messageCount;
    if (oursDepth !== 1 + 4 * MESSAGES || rawDepth !== 4 * MESSAGES) {
      throw new Error(`publish bench lost messages: ours ${oursDepth}, raw ${rawDepth}`);
    }

    // Latency: one message at a time, publish → handler.
    const latencyTopic = 'bench-latency';
    const oursLatencies: number[] = [];
    let done!: () => void;
    let finished = new Promise<void>((r) => {
      done = r;
    });
    await ours.subscribe(latencyTopic, (m) => {
      oursLatencies.push(performance.now() - (m.payload as { t: number }).t);
      if (oursLatencies.length === LATENCY_MESSAGES) done();
    });
    for (let i = 0; i < LATENCY_MESSAGES; i++)
      await ours.publish(latencyTopic, { payload: { t: performance.now() } });
    await finished;

    const rawLatencies: number[] = [];
    const latencyQueue = `${namespace}.raw-latency`;
    await channel.assertQueue(latencyQueue, { durable: true, arguments: { 'x-max-priority': 10 } });
    const consumeChannel = await connection.createChannel();
    await consumeChannel.prefetch(100);
    finished = new Promise<void>((r) => {
      done = r;
    });
    await consumeChannel.consume(latencyQueue, (msg) => {
      if (!msg) return;
      rawLatencies.push(performance.now() - (JSON.parse(msg.content.toString()) as { t: number }).t);
      consumeChannel.ack(msg);
      if (rawLatencies.length === LATENCY_MESSAGES) done();
    });
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(
          latencyQueue,
          Buffer.from(JSON.stringify({ t: performance.now() })),
          { persistent: true },
          (e) => (e ? reject(e) : resolve()),
        ),
      );
    }
    await finished;
    await consumeChannel.close();
    await channel.deleteQueue(latencyQueue);

    return [
      {
        scenario: `RabbitMQ confirmed publish (${MESSAGES} msgs, ${WINDOW} in flight)`,
        ours: median(oursRounds),
        baseline: median(rawRounds),
        unit: 'msgs/s',
        spread: spread(oursRounds),
      },
      {
        scenario: 'RabbitMQ publish → consume latency p50',
        ours: percentile(oursLatencies, 50),
        baseline: percentile(rawLatencies, 50),
        unit: 'ms',
        lowerIsBetter: true,
        spread: '—',
      },
      {
        scenario: 'RabbitMQ publish → consume latency p99',
        ours: percentile(oursLatencies, 99),
        baseline: percentile(rawLatencies, 99),
        unit: 'ms',
        lowerIsBetter: true,
        spread: '—',
      },
    ];
  } finally {
    await channel.deleteQueue(rawQueue).catch(() => {});
    await channel.deleteExchange(rawExchange).catch(() => {});
    await connection.close().catch(() => {});
    await ours.deleteDeclaredTopology().catch(() => {});
    await ours.close();
  }
}
