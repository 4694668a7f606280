import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serviceUrls, type TestDatabase, waitForReplica } from '../src/index.js';

describe('provisioned services', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('ig_services');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('has a real streaming replica: a row written on the primary is read back from the replica port', async () => {
    const primary = new pg.Client({ connectionString: db.url });
    const replica = new pg.Client({ connectionString: db.replicaUrl });
    await Promise.all([primary.connect(), replica.connect()]);
    try {
      await primary.query('CREATE TABLE probe (id int primary key, note text)');
      const note = `written at ${Date.now()}`;
      await primary.query('INSERT INTO probe VALUES (1, $1)', [note]);
      await waitForReplica();
      const { rows } = await replica.query('SELECT note FROM probe WHERE id = 1');
      expect(rows).toEqual([{ note }]);
      const recovery = await replica.query('SELECT pg_is_in_recovery() AS r, inet_server_port() AS port');
      expect(recovery.rows[0]).toEqual({ r: true, port: Number(new URL(db.replicaUrl).port) });
      const onPrimary = await primary.query('SELECT pg_is_in_recovery() AS r');
      expect(onPrimary.rows[0].r).toBe(false);
      await expect(replica.query('INSERT INTO probe VALUES (2, $1)', ['x'])).rejects.toThrow(/read-only/);
    } finally {
      await Promise.all([primary.end(), replica.end()]);
    }
  });

  it('has Redis', async () => {
    const redis = new Redis(serviceUrls().redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('has RabbitMQ answering AMQP 0-9-1', async () => {
    const amqp = await import('amqplib');
    const connection = await amqp.connect(serviceUrls().amqp);
    try {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      channel.sendToQueue(queue, Buffer.from('ping'));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message')), 5000);
        void channel.consume(queue, (msg) => {
          if (msg?.content.toString() === 'ping') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      await connection.close();
    }
  });
});
