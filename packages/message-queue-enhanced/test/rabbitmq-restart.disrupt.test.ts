import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { RabbitMQQueue } from '../src/rabbitmq/rabbitmq-queue.js';

// DISRUPTIVE: restarts the shared RabbitMQ (rabbitmqctl stop_app / start_app) and always brings
// it back (start_app, then scripts/dev/services.sh) even when the test fails.

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const namespace = `igtest-restart-${randomUUID().slice(0, 8)}`;
const queues: RabbitMQQueue[] = [];

async function restoreRabbit(): Promise<void> {
  await run('rabbitmqctl', ['start_app'], { timeout: 60_000 }).catch(() => {});
  await run('bash', [join(repoRoot, 'scripts', 'dev', 'services.sh')], { timeout: 120_000 });
}

afterAll(async () => {
  await restoreRabbit();
  for (const queue of queues) await queue.deleteDeclaredTopology().catch(() => {});
  for (const queue of queues) await queue.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('RabbitMQ restart during a publish/consume loop', () => {
  it('consumes or dead-letters every confirmed message; none is lost', async () => {
    const options = {
      url: serviceUrls().amqp,
      namespace,
      publishTimeoutMs: 90_000,
      heartbeatSeconds: 5,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
      lagIntervalMs: 0,
    };
    const queue = new RabbitMQQueue(options);
    const inspector = new RabbitMQQueue(options);
    queues.push(queue, inspector);
    const topic = 'restart-loop';
    const consumed = new Set<string>();
    let deliveries = 0;
    await queue.subscribe(
      topic,
      async (m) => {
        deliveries++;
        if ((m.payload as { poison: boolean }).poison) throw new Error('poison');
        await sleep(1);
        consumed.add(m.id);
      },
      { prefetch: 20 },
    );

    const confirmed: string[] = [];
    const failed: string[] = [];
    let stop = false;
    const publishers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const id = `w${w}-${i}`;
        try {
          await queue.publish(topic, { id, key: `k${w}`, payload: { poison: i % 40 === 39 }, maxRetries: 1 });
          confirmed.push(id);
        } catch {
          failed.push(id);
        }
      }
    });

    let restarted = 0;
    try {
      await until('200 confirmed publishes', () => confirmed.length >= 200, 30_000);
      restarted = confirmed.length;
      await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
      await sleep(1000);
      await run('rabbitmqctl', ['start_app'], { timeout: 60_000 });
      await until(
        '200 more confirmed publishes after the restart',
        () => confirmed.length >= restarted + 200,
        60_000,
      );
    } finally {
      stop = true;
      await Promise.all(publishers);
    }

    const deadLettered = new Set<string>();
    await until(
      'every confirmed message to be consumed or dead-lettered',
      async () => {
        const letters = await inspector.listDeadLetters(topic, { limit: 10_000 });
        for (const letter of letters) deadLettered.add(letter.message.id);
        return confirmed.every((id) => consumed.has(id) || deadLettered.has(id));
      },
      60_000,
    );
    const reconnects = await queue.metrics.registry
      .getSingleMetric('intelgraph_transport_reconnects_total')!
      .get();
    expect(reconnects.values[0]?.value ?? 0).toBeGreaterThanOrEqual(1);
    const lost = confirmed.filter((id) => !consumed.has(id) && !deadLettered.has(id));
    expect(lost).toEqual([]);
    expect(confirmed.length).toBeGreaterThanOrEqual(restarted + 200);
    // Poison messages went to the DLQ, everything else was consumed.
    for (const id of deadLettered) expect(Number(id.split('-')[1]) % 40).toBe(39);
    expect(deliveries).toBeGreaterThanOrEqual(consumed.size);
    // Publishes that failed outright were reported to the caller (none expected within 90 s).
    expect(failed).toEqual([]);
  });
});
