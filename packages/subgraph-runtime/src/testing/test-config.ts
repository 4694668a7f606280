import type { ShardConfig } from '@intelgraph/database-sharding';
import type { SubgraphRuntimeConfig } from '../start-subgraph.js';
import { TEST_IDENTITY_SECRET } from './graphql-client.js';

/** A runtime config for tests: a free port, quiet logs, signed identity, embedded shards unless `shards`. */
export function testRuntimeConfig(
  overrides: Partial<SubgraphRuntimeConfig> & { shards?: readonly ShardConfig[] } = {},
): SubgraphRuntimeConfig {
  const { shards, ...rest } = overrides;
  return {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    databaseShards: shards,
    embeddedShards: 2,
    embeddedDataDir: 'memory',
    redisUrl: undefined,
    amqpUrl: undefined,
    kafkaBrokers: undefined,
    identitySecret: TEST_IDENTITY_SECRET,
    devIdentity: false,
    maxPageSize: 100,
    shutdownTimeoutMs: 2000,
    ...rest,
  };
}
