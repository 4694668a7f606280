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

/** The AMQP properties of one message: bare (id and priority), or all the envelope ours carries. */
function rawProperties(i: number, envelope: boolean): amqp.Options.Publish {
  const properties: amqp.Options.Publish = {
    persistent: true,
    priority: 4,
    messageId: randomUUID(),
    contentType: 'application/json',
  };
  if (!envelope) return properties;
  // What a consumer needs to do what ours does (retry budget, ordering key, event time, type):
  // the same fields under the same names, written by hand.
  properties.type = 'bench-publish';
  properties.headers = {
    'x-ig-max-retries': '3',
    'x-ig-timestamp': String(Date.now()),
    'x-ig-key': `k${i % 16}`,
  };
  return properties;
}

/**
 * Confirmed publish throughput, ours (RabbitMQQueue.publish: validate, encode, exchange → durable
 * quorum queue, confirm) against raw amqplib (confirm channel, persistent, exchange → durable
 * quorum queue), the same number of messages with the same number in flight; then publish →
 * consume latency.
 *
 * The baseline publishes the same message ours does: besides id and priority, ours carries its
 * envelope (type, and headers for the retry budget, the event time and the ordering key), and
 * amqplib encodes a headers table slowly (about 3.5 µs of client CPU a message for three, measured;
 * the broker stores and decodes them too). A baseline without them measured the format, not the
 * library: ours ran at the same speed as amqplib sending ours' properties. The bare-message
 * figure is still printed, as its own row.
 */
export async function rabbitmqPublishBench(): Promise<Row[]> {
  const url = serviceUrls().amqp;
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  const ours = new RabbitMQQueue({ url, namespace, prefetch: 100, lagIntervalMs: 0 });
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  // The latency baseline gets TCP_NODELAY, as ours has: with amqplib's default (Nagle) a publish
  // written right after a basic.ack waits ~40 ms for the broker's delayed TCP ACK, and the raw
  // p99 measured that stall rather than the library.
  const latencyConnection = await amqp.connect(url, { noDelay: true });
  const latencyChannel = await latencyConnection.createConfirmChannel();
  // The baseline gets the same broker work as ours: a direct exchange routing to a quorum queue
  // (the library's lanes), persistent messages; only the library differs.
  const rawQueue = `${namespace}.raw`;
  const rawExchange = `${namespace}.raw-exchange`;
  await channel.assertQueue(rawQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertExchange(rawExchange, 'direct', { durable: true });
  await channel.bindQueue(rawQueue, rawExchange, 'raw');
  try {
    const topic = 'bench-publish';
    // Our topology exists before timing (a subscriber would have declared it).
    await ours.publish(topic, { payload: payload(0) });

    const rawPublish = (envelope: boolean) => async () => {
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
              rawProperties(i, envelope),
              (err) => (err ? reject(err) : resolve()),
            );
          }),
      );
      return MESSAGES / ((performance.now() - start) / 1000);
    };
    const bare = rawPublish(false);
    const bareRounds: number[] = [];
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
        const same = await rawPublish(true)();
        bareRounds.push(await bare());
        return same;
      },
    );
    bareRounds.shift(); // the warm-up round
    const oursRounds = published.ours;
    const rawRounds = published.baseline;
    // Verify: every confirmed message is in the queues (1 + 4 rounds × MESSAGES in ours; raw
    // sent 2 messages a round).
    const oursDepth = (await channel.checkQueue(`${namespace}.${topic}.default.normal`)).messageCount;
    const rawDepth = (await channel.checkQueue(rawQueue)).messageCount;
    if (oursDepth !== 1 + 4 * MESSAGES || rawDepth !== 8 * MESSAGES) {
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

    // The same path for raw: exchange → quorum queue, the same properties, a consumer
    // with the same prefetch acking each message.
    const rawLatencies: number[] = [];
    const latencyQueue = `${namespace}.raw-latency`;
    await latencyChannel.assertQueue(latencyQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await latencyChannel.bindQueue(latencyQueue, rawExchange, 'raw-latency');
    const consumeChannel = await latencyConnection.createChannel();
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
        latencyChannel.publish(
          rawExchange,
          'raw-latency',
          Buffer.from(JSON.stringify({ t: performance.now() })),
          rawProperties(i, true),
          (e) => (e ? reject(e) : resolve()),
        ),
      );
    }
    await finished;
    await consumeChannel.close();
    await latencyChannel.deleteQueue(latencyQueue);

    return [
      {
        scenario: `RabbitMQ confirmed publish (${MESSAGES} msgs, ${WINDOW} in flight; raw: same message)`,
        ours: median(oursRounds),
        baseline: median(rawRounds),
        unit: 'msgs/s',
        spread: spread(oursRounds),
      },
      {
        scenario: 'same, raw sending a bare message (no envelope headers/type)',
        ours: median(oursRounds),
        baseline: median(bareRounds),
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
    await latencyConnection.close().catch(() => {});
    await ours.deleteDeclaredTopology().catch(() => {});
    await ours.close();
  }
}
