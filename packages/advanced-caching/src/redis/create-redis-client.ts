import { IntelGraphError } from '@intelgraph/errors';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from '../options/cache-options.js';

/** Where Redis is: `REDIS_URL`, and whether it names one node of a Redis Cluster (`REDIS_CLUSTER`). */
export interface RedisConnection {
  /** A `redis:` or `rediss:` URL, with user, password and (single node only) database. */
  readonly url: string;
  /**
   * `url` names one node of a Redis Cluster: the client asks it for the others (CLUSTER SLOTS) and
   * follows MOVED/ASK redirections. Default `false`: a single node (or a proxy in front of one).
   */
  readonly cluster?: boolean;
}

/** Options of the client; those a Cluster holds itself (`enableOfflineQueue`, `lazyConnect`, `retryStrategy`) are moved there. */
export type RedisClientOptions = Omit<RedisOptions, 'host' | 'port' | 'path' | 'sentinels'>;

/**
 * The ioredis client for `connection`: `new Redis(url, options)` for a single node, else
 * `new Cluster([seed], { redisOptions })` where the seed, and every node the cluster announces,
 * is reached with the URL's user, password and TLS (`rediss:`). A Cluster has one database, so a
 * URL naming another one is refused here rather than silently ignored.
 */
export function createRedisClient(
  connection: RedisConnection,
  options: RedisClientOptions = {},
): RedisClient {
  if (!connection.cluster) return new Redis(connection.url, options);
  const seed = parseSeed(connection.url);
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...nodeOptions, ...seed.auth },
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
  };
  return new Cluster([{ host: seed.host, port: seed.port }], clusterOptions);
}

interface Seed {
  readonly host: string;
  readonly port: number;
  readonly auth: Pick<RedisOptions, 'username' | 'password' | 'tls'>;
}

function parseSeed(url: string): Seed {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw invalid('expected a redis: or rediss: URL', cause);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalid('expected a redis: or rediss: URL');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && db !== '0') throw invalid(`a Redis Cluster has only database 0, not ${db}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    // WHATWG URL keeps IPv6 hosts in brackets; sockets want them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    auth: {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

function invalid(expected: string, cause?: unknown): IntelGraphError {
  // The URL may carry a password: the error names the field and what was expected, never the URL.
  return new IntelGraphError('CONFIG_INVALID', `Redis Cluster seed URL (REDIS_URL): ${expected}`, {
    details: { field: 'REDIS_URL', expected },
    ...(cause === undefined ? {} : { cause }),
  });
}
