/** Where the integration tests find the real services. Loopback defaults match scripts/dev/services.sh. */
export interface ServiceUrls {
  /** PostgreSQL primary, a maintenance database (`postgres`). */
  readonly postgres: string;
  /** The streaming replica of `postgres` (a read-only standby). */
  readonly postgresReplica: string;
  readonly redis: string;
  readonly amqp: string;
  /** Apache Kafka bootstrap brokers (`host:port`), as `KAFKA_BROKERS` takes them. */
  readonly kafkaBrokers: readonly string[];
}

export function serviceUrls(env: Readonly<Record<string, string | undefined>> = process.env): ServiceUrls {
  return {
    postgres: env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    postgresReplica: env.TEST_PG_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5433/postgres',
    redis: env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    amqp: env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    kafkaBrokers: (env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
  };
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
