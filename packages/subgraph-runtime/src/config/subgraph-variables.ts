import { type OptionalVariable, variables as v } from '@intelgraph/config';
import { DATABASE_SHARDS_FORM, databaseShardsSchema, type ShardConfig } from '@intelgraph/database-sharding';
import { tracingVariables } from '@intelgraph/telemetry';

/** `DATABASE_SHARDS`, parsed by database-sharding's own schema; secret because URLs carry passwords. */
const databaseShards = {
  env: 'DATABASE_SHARDS',
  description: 'PostgreSQL shards (primary and replicas each); unset: embedded PGlite shards',
  form: DATABASE_SHARDS_FORM,
  defaultValue: undefined,
  required: false,
  secret: true,
  schema: databaseShardsSchema,
} as unknown as OptionalVariable<ShardConfig[]>;

/**
 * The variables every subgraph reads (CONTRIBUTING.md "Services"), with one default each. A
 * subgraph's `src/config.ts` spreads `subgraphVariables(4002)` into its `configSpec` and adds
 * its own. Nothing is read here: `loadConfigOrExit` reads them in the entry point.
 */
export function subgraphVariables(defaultPort: number) {
  return {
    port: v.port({ env: 'PORT', description: 'HTTP port of the subgraph', default: String(defaultPort) }),
    host: v.string(
      { env: 'HOST', description: 'Interface to listen on', default: '127.0.0.1' },
      'a host name or IP',
    ),
    logLevel: v.oneOf({ env: 'LOG_LEVEL', description: 'pino log level', default: 'info' }, [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    databaseShards,
    shardMapUrl: v.url({
      env: 'SHARD_MAP_URL',
      description:
        'PostgreSQL database holding the stored shard map (loaded at start, followed; DATABASE_SHARDS must agree with it, or be unset to follow it); unset with DATABASE_SHARDS: that variable is the map, unchecked; unset embedded: a PGlite map',
      protocols: ['postgres:', 'postgresql:'],
      secret: true,
    }),
    embeddedShards: v.integer({
      env: 'EMBEDDED_SHARDS',
      description: 'Number of embedded PGlite shards when DATABASE_SHARDS is unset',
      default: '2',
      min: 1,
      max: 16,
    }),
    embeddedDataDir: v.string(
      {
        env: 'EMBEDDED_DATA_DIR',
        description:
          'Where embedded shards keep their files (`<dir>/<service>/shard-<n>`); `memory` keeps them in memory',
        default: 'memory',
      },
      'a directory path, or memory',
    ),
    redisUrl: v.url({
      env: 'REDIS_URL',
      description: 'Redis for the L2 cache; unset: L1 (in-process) cache only',
      protocols: ['redis:', 'rediss:'],
    }),
    redisCluster: v.boolean({
      env: 'REDIS_CLUSTER',
      description: 'REDIS_URL names one node of a Redis Cluster; the client discovers the others',
      default: 'false',
    }),
    amqpUrl: v.url({
      env: 'AMQP_URL',
      description: 'RabbitMQ for domain events (with KAFKA_BROKERS too: both); neither: in-process transport',
      protocols: ['amqp:', 'amqps:'],
    }),
    kafkaBrokers: v.string(
      {
        env: 'KAFKA_BROKERS',
        description: 'Kafka brokers for domain events (host:port,…); with AMQP_URL too, events go to both',
      },
      'a comma-separated list of host:port',
    ),
    identitySecret: v.string(
      {
        env: 'IDENTITY_SECRET',
        description: 'HMAC key(s) shared with the gateway (comma-separated for rotation, first signs)',
        secret: true,
      },
      'one or more secrets of at least 32 bytes, comma-separated',
    ),
    devIdentity: v.boolean({
      env: 'DEV_IDENTITY',
      description:
        'Development mode: accept requests without a signed identity (tenant from x-dev-tenant, default dev). Logged loudly. Never in production',
      default: 'false',
    }),
    maxPageSize: v.integer({
      env: 'MAX_PAGE_SIZE',
      description: 'Largest `first` a connection field accepts',
      default: '100',
      min: 1,
      max: 10_000,
    }),
    shutdownTimeoutMs: v.integer({
      env: 'SHUTDOWN_TIMEOUT_MS',
      description: 'How long a stopping subgraph waits for requests in flight',
      default: '10000',
      min: 0,
    }),
    // OpenTelemetry trace export (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER…).
    ...tracingVariables(),
  };
}
