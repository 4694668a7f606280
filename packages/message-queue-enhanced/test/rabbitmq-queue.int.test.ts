import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceUrls, startFaultProxy } from '@intelgraph/test-support';
import amqp, { type Channel } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { RabbitMQQueue, type RabbitMQQueueOptions } from '../src/rabbitmq/rabbitmq-queue.js';
import type { TransportOptions } from '../src/transport/transport-options.js';
import { runTransportContract } from './contract/transport-contract.js';

const execFileAsync = promisify(execFile);
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
  it('delivers waiting messages by priority (one quorum queue per priority)', async () => {
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

  it('hands a critical message to the handler before a backlog of low ones drains, prefetch still bounding concurrency', async () => {
    const queue = rabbit();
    const topic = `backlog-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 30; i++) await queue.publish(topic, { id: `low-${i}`, payload: {}, priority: 'low' });
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const sub = await queue.subscribe(
      topic,
      async (m) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        order.push(m.id);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
      { prefetch: 2 },
    );
    while (order.length < 3) await new Promise((r) => setTimeout(r, 10));
    await queue.publish(topic, { id: 'urgent', payload: {}, priority: 'critical' });
    const deadline = Date.now() + 20_000;
    while (order.length < 31 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(order).toHaveLength(31);
    // Behind at most what had already started or was handed over (2 running + 2 held per lane).
    expect(order.indexOf('urgent')).toBeLessThan(10);
    expect(maxRunning).toBe(2);
    await sub.close();
  });

  it('declares every queue as a quorum queue, as production runs them (default_queue_type = quorum)', async () => {
    const queue = rabbit();
    const topic = `quorum-${randomUUID().slice(0, 8)}`;
    const sub = await queue.subscribe(topic, () => {}, { group: 'typed' });
    await sub.close();
    const { stdout } = await execFileAsync('rabbitmqctl', ['-s', 'list_queues', 'name', 'type']);
    const ours = stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([name]) => name?.startsWith(`${namespace}.${topic}.typed.`));
    expect(ours.map(([name]) => name!.slice(`${namespace}.${topic}.typed.`.length)).sort()).toEqual(
      expect.arrayContaining(['critical', 'dlq', 'high', 'low', 'normal', 'retry.1']),
    );
    expect(new Set(ours.map(([, type]) => type))).toEqual(new Set(['quorum']));
  });

  it('brings a retried message back to its lane through the lanes exchange', async () => {
    const queue = rabbit({ retry: { baseDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0 } });
    const topic = `lane-${randomUUID().slice(0, 8)}`;
    const seen: { priority: string; attempt: number }[] = [];
    const sub = await queue.subscribe(topic, (m) => {
      seen.push({ priority: m.priority, attempt: m.attempt });
      if (m.attempt === 1) throw new Error('once');
    });
    await queue.publish(topic, { id: 'h', payload: {}, priority: 'high', maxRetries: 2 });
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([
      { priority: 'high', attempt: 1 },
      { priority: 'high', attempt: 2 },
    ]);
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

  it('reconnects after its connection is dropped, without losing a confirmed message', async () => {
    const name = `igtest-drop-${randomUUID().slice(0, 8)}`;
    const queue = rabbit({ connectionName: name, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    const topic = `drop-${randomUUID().slice(0, 8)}`;
    const got = new Set<string>();
    await queue.subscribe(topic, (m) => void got.add(m.id));
    await queue.publish(topic, { id: 'before', payload: {} });
    // Drop only this instance's connection (the shared broker keeps running).
    const { stdout } = await execFileAsync('rabbitmqctl', [
      '-s',
      'list_connections',
      'pid',
      'client_properties',
    ]);
    const pids = stdout
      .split('\n')
      .filter((line) => line.includes(name))
      .map((line) => line.split('\t')[0]!);
    expect(pids.length).toBe(1);
    await execFileAsync('rabbitmqctl', ['close_connection', pids[0]!, 'test: dropped connection']);
    const ids = Array.from({ length: 20 }, (_, i) => `after-${i}`);
    for (const id of ids) await queue.publish(topic, { id, payload: {} });
    const deadline = Date.now() + 20_000;
    while (got.size < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([...got].sort()).toEqual(['before', ...ids].sort());
    const reconnects = await queue.metrics.registry
      .getSingleMetric('intelgraph_transport_reconnects_total')!
      .get();
    expect(reconnects.values[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('declares no group queue on publish when told so (pure fan-out)', async () => {
    const queue = rabbit({ declareGroupsOnPublish: [] });
    const topic = `fanout-${randomUUID().slice(0, 8)}`;
    await queue.publish(topic, { id: 'nobody-listens', payload: {} });
    const got: string[] = [];
    const sub = await queue.subscribe(topic, (m) => void got.push(m.id), { group: 'late' });
    await queue.publish(topic, { id: 'heard', payload: {} });
    const deadline = Date.now() + 10_000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['heard']);
    await sub.close();
  });

  it('deletes only its own group queues when told to keep the shared exchange', async () => {
    const publisher = rabbit({ declareGroupsOnPublish: [] });
    const listener = rabbit();
    const topic = `teardown-${randomUUID().slice(0, 8)}`;
    const sub = await listener.subscribe(topic, () => {}, { group: 'listener' });
    await sub.close();
    await listener.close();
    await listener.deleteDeclaredTopology({ keepExchange: true });

    const connection = await amqp.connect(serviceUrls().amqp);
    connection.on('error', () => {});
    try {
      const exists = async (check: (c: Channel) => Promise<unknown>): Promise<boolean> => {
        // A failed check closes its channel: use one channel per check.
        const channel = await connection.createChannel();
        channel.on('error', () => {});
        return check(channel).then(
          () => channel.close().then(() => true),
          () => false,
        );
      };
      for (const p of ['critical', 'high', 'normal', 'low'])
        expect(await exists((c) => c.checkQueue(`${namespace}.${topic}.listener.${p}`))).toBe(false);
      expect(await exists((c) => c.checkQueue(`${namespace}.${topic}.listener.dlq`))).toBe(false);
      expect(await exists((c) => c.checkExchange(`${namespace}.events`))).toBe(true);
    } finally {
      await connection.close();
    }
    // Other instances still publish to the exchange.
    await expect(publisher.publish(topic, { id: 'still-routed', payload: {} })).resolves.toBeUndefined();
  });

  it('fails a publish the broker never confirms with PUBLISH_NOT_CONFIRMED, and publishes again once it answers', async () => {
    await using proxy = await startFaultProxy({ target: new URL(serviceUrls().amqp).port || 5672 });
    // A long heartbeat: the silent connection must not be dropped (and the publish resent) meanwhile.
    const queue = rabbit({
      url: proxy.url(serviceUrls().amqp),
      namespace: `${namespace}-silent`,
      publishTimeoutMs: 1500,
      heartbeatSeconds: 60,
    });
    const topic = `silent-${randomUUID().slice(0, 8)}`;
    await queue.publish(topic, { id: 'confirmed', payload: {} });
    proxy.setMode('blackhole');
    await expect(queue.publish(topic, { id: 'unconfirmed', payload: {} })).rejects.toMatchObject({
      code: 'PUBLISH_NOT_CONFIRMED',
    });
    proxy.setMode('pass');
    await queue.publish(topic, { id: 'after', payload: {} });
    const got: string[] = [];
    const sub = await queue.subscribe(topic, (m) => void got.push(m.id));
    const deadline = Date.now() + 10_000;
    while (!got.includes('after') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // At least once: the unconfirmed one may have been stored (its bytes were only held back).
    expect(got.filter((id) => id !== 'unconfirmed')).toEqual(['confirmed', 'after']);
    await sub.close();
    await queue.deleteDeclaredTopology(); // its own namespace, while the proxy still runs
  });

  it('keeps no queue of an ephemeral group once its subscriber is gone: deleted on close, expired by the broker after a lost connection, declared again on reconnect', async () => {
    await using proxy = await startFaultProxy({ target: new URL(serviceUrls().amqp).port || 5672 });
    const queue = rabbit({
      url: proxy.url(serviceUrls().amqp),
      ephemeralExpiryMs: 1000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const publisher = rabbit({ declareGroupsOnPublish: [] });
    const topic = `ephemeral-${randomUUID().slice(0, 8)}`;
    const queueNames = async (group: string): Promise<string[]> => {
      const { stdout } = await execFileAsync('rabbitmqctl', ['-s', 'list_queues', 'name']);
      return stdout.split('\n').filter((name) => name.startsWith(`${namespace}.${topic}.${group}.`));
    };
    const waitUntil = async (check: () => Promise<boolean>, what: string): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // Closed by its subscriber: its queues go at once.
    const closed = await queue.subscribe(topic, () => {}, { group: 'gone', ephemeral: true });
    expect((await queueNames('gone')).length).toBeGreaterThan(0);
    await closed.close();
    expect(await queueNames('gone')).toEqual([]);

    // Cut off (the process might as well have been killed): the broker expires them.
    const got: string[] = [];
    await queue.subscribe(topic, (m) => void got.push(m.id), { group: 'cut', ephemeral: true });
    await publisher.publish(topic, { id: 'first', payload: {} });
    await waitUntil(async () => got.includes('first'), 'the first message arrives');
    proxy.setMode('refuse');
    await waitUntil(async () => (await queueNames('cut')).length === 0, 'the broker expires the queues');

    // Back again: the consumer declares its group anew and hears what is published from then on.
    proxy.setMode('pass');
    await waitUntil(async () => (await queueNames('cut')).length > 0, 'the queues are declared again');
    await publisher.publish(topic, { id: 'second', payload: {} });
    await waitUntil(async () => got.includes('second'), 'the second message arrives');
    expect(got).toEqual(['first', 'second']);
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

describe('intelgraph-dlq command', () => {
  const cli = join(import.meta.dirname, '..', 'src', 'rabbitmq', 'dlq-cli.ts');
  const repoRoot = join(import.meta.dirname, '..', '..', '..');
  const dlq = async (...args: string[]) => {
    try {
      const { stdout } = await execFileAsync(
        process.execPath,
        ['--conditions=development', '--import', 'tsx', cli, ...args, '--namespace', namespace],
        {
          cwd: repoRoot,
          env: { ...process.env, AMQP_URL: serviceUrls().amqp },
        },
      );
      return { code: 0, out: JSON.parse(stdout) as unknown, err: '' };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, out: undefined, err: e.stderr };
    }
  };

  it('lists, inspects and replays dead letters', async () => {
    const queue = rabbit();
    const topic = `cli-${randomUUID().slice(0, 8)}`;
    let healthy = false;
    const handled: string[] = [];
    const sub = await queue.subscribe(topic, (m) => {
      if (!healthy) throw new Error(`cannot handle ${m.id}`);
      handled.push(m.id);
    });
    await queue.publish(topic, { id: 'bad-1', payload: { n: 1 }, maxRetries: 0 });
    await queue.publish(topic, { id: 'bad-2', payload: { n: 2 }, maxRetries: 0 });
    const deadline = Date.now() + 10_000;
    while ((await queue.listDeadLetters(topic)).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));

    const listed = await dlq('list', '--topic', topic);
    expect(listed.code).toBe(0);
    expect(listed.out).toEqual([
      expect.objectContaining({
        id: 'bad-1',
        reason: 'max-retries-exceeded',
        lastError: 'Error: cannot handle bad-1',
      }),
      expect.objectContaining({ id: 'bad-2', reason: 'max-retries-exceeded' }),
    ]);
    const inspected = await dlq('inspect', '--topic', topic, '--id', 'bad-2');
    expect(inspected.out).toMatchObject({
      message: { id: 'bad-2', payload: { n: 2 } },
      reason: 'max-retries-exceeded',
    });
    const missing = await dlq('inspect', '--topic', topic, '--id', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('DEAD_LETTER_NOT_FOUND');

    healthy = true;
    const replayed = await dlq('replay', '--topic', topic, '--id', 'bad-2');
    expect(replayed.out).toEqual({ replayed: 1 });
    while (handled.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(handled).toEqual(['bad-2']);
    expect((await queue.listDeadLetters(topic)).map((l) => l.message.id)).toEqual(['bad-1']);
    const usage = await dlq('purge', '--topic', topic);
    expect(usage.code).toBe(2);
    await sub.close();
  });
});
