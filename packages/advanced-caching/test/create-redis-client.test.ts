import { IntelGraphError } from '@intelgraph/errors';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient } from '../src/index.js';

describe('createRedisClient', () => {
  it('builds a single-node client from the URL when cluster is unset or false', () => {
    const client = createRedisClient(
      { url: 'redis://user:p%40ss@cache.internal:6380/2' },
      { lazyConnect: true, maxRetriesPerRequest: 1 },
    );
    try {
      expect(client).toBeInstanceOf(Redis);
      expect(client.isCluster).toBe(false);
      expect((client as Redis).options).toMatchObject({
        host: 'cache.internal',
        port: 6380,
        db: 2,
        username: 'user',
        password: 'p@ss',
        maxRetriesPerRequest: 1,
      });
    } finally {
      client.disconnect();
    }
  });

  it('builds a Cluster seeded by the URL, carrying user, password and TLS to every node', () => {
    const client = createRedisClient(
      { url: 'rediss://user:p%40ss@redis-leader.data.svc:7000', cluster: true },
      { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 },
    );
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect(client.isCluster).toBe(true);
      const cluster = client as Cluster;
      expect(cluster.options).toMatchObject({ lazyConnect: true, enableOfflineQueue: false });
      expect(cluster.options.redisOptions).toMatchObject({
        username: 'user',
        password: 'p@ss',
        tls: {},
        maxRetriesPerRequest: 1,
        commandTimeout: 500,
      });
      expect(cluster.options.redisOptions).not.toHaveProperty('enableOfflineQueue');
      expect((cluster as unknown as { startupNodes: unknown[] }).startupNodes).toEqual([
        { host: 'redis-leader.data.svc', port: 7000 },
      ]);
    } finally {
      client.disconnect();
    }
  });

  it('defaults the seed port to 6379 and sends no credentials or TLS the URL does not have', () => {
    const client = createRedisClient({ url: 'redis://10.0.0.5', cluster: true }, { lazyConnect: true });
    try {
      const cluster = client as Cluster;
      expect((cluster as unknown as { startupNodes: unknown[] }).startupNodes).toEqual([
        { host: '10.0.0.5', port: 6379 },
      ]);
      expect(cluster.options.redisOptions).not.toHaveProperty('password');
      expect(cluster.options.redisOptions).not.toHaveProperty('tls');
    } finally {
      client.disconnect();
    }
  });

  it('refuses a cluster URL naming a database other than 0, without echoing the password', () => {
    let error: unknown;
    try {
      createRedisClient({ url: 'redis://:hunter2@10.0.0.5:6379/3', cluster: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IntelGraphError);
    expect((error as IntelGraphError).code).toBe('CONFIG_INVALID');
    expect((error as IntelGraphError).message).toMatch(/database 0, not 3/);
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('hunter2');
  });
});
