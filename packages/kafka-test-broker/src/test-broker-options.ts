import { IntelGraphError } from '@intelgraph/errors';

/** Options of `startTestBroker`; every default is declared in `testBrokerDefaults`. */
export interface TestBrokerOptions {
  /** TCP port to listen on; 0 picks a free one. */
  port?: number;
  /** Address to bind and to advertise in Metadata (loopback: this is a test tool). */
  host?: string;
  /** Create a topic when a client asks Metadata about it and allows auto-creation (Kafka's default). */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with numPartitions -1. */
  defaultPartitions?: number;
  /**
   * Smallest session timeout a JoinGroup may ask for. Kafka's default is 6000 ms; this broker
   * allows short ones so group tests stay fast.
   */
  minSessionTimeoutMs?: number;
  /** Largest session timeout a JoinGroup may ask for. */
  maxSessionTimeoutMs?: number;
  /**
   * Caps how long a Fetch waits for `min_bytes` (the client's `max_wait_time` still applies when
   * shorter). An early empty answer is legal protocol — the client simply fetches again — and it
   * keeps tests fast where the client under test cannot be told a shorter `maxWaitTimeInMs`
   * (kafkajs waits for the fetch in flight before a consumer stops). Default: no cap.
   */
  maxFetchWaitMs?: number;
  /** Topics created before the broker accepts connections. */
  topics?: readonly { name: string; partitions?: number }[];
  /** Node id advertised for the single broker. */
  nodeId?: number;
  /** Cluster id advertised in Metadata. */
  clusterId?: string;
}

export const testBrokerDefaults = {
  port: 0,
  host: '127.0.0.1',
  autoCreateTopics: true,
  defaultPartitions: 1,
  minSessionTimeoutMs: 100,
  maxSessionTimeoutMs: 300_000,
  maxFetchWaitMs: 2 ** 31 - 1,
  topics: [] as readonly { name: string; partitions?: number }[],
  nodeId: 1,
  clusterId: 'kafka-test-broker',
} as const satisfies Required<TestBrokerOptions>;

export type ResolvedTestBrokerOptions = {
  -readonly [K in keyof typeof testBrokerDefaults]: K extends 'topics'
    ? readonly { name: string; partitions?: number }[]
    : (typeof testBrokerDefaults)[K] extends number
      ? number
      : (typeof testBrokerDefaults)[K] extends boolean
        ? boolean
        : string;
};

function invalid(field: string, value: unknown, expected: string): IntelGraphError {
  return new IntelGraphError(
    'CONFIG_INVALID',
    `startTestBroker: ${field}=${JSON.stringify(value)}: ${expected}`,
    {
      input: { [field]: value },
    },
  );
}

function integer(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** Fills defaults and validates, failing with CONFIG_INVALID naming the field and value. */
export function resolveTestBrokerOptions(options: TestBrokerOptions = {}): ResolvedTestBrokerOptions {
  const o = { ...testBrokerDefaults, ...options };
  integer('port', o.port, 0, 65_535);
  integer('defaultPartitions', o.defaultPartitions, 1, 10_000);
  integer('minSessionTimeoutMs', o.minSessionTimeoutMs, 1, 2 ** 31 - 1);
  integer('maxSessionTimeoutMs', o.maxSessionTimeoutMs, o.minSessionTimeoutMs, 2 ** 31 - 1);
  integer('maxFetchWaitMs', o.maxFetchWaitMs, 0, 2 ** 31 - 1);
  integer('nodeId', o.nodeId, 0, 2 ** 31 - 1);
  if (typeof o.host !== 'string' || o.host === '')
    throw invalid('host', o.host, 'expected a host name or address');
  if (typeof o.autoCreateTopics !== 'boolean')
    throw invalid('autoCreateTopics', o.autoCreateTopics, 'expected a boolean');
  for (const topic of o.topics) {
    if (topic.partitions !== undefined)
      integer(`topics[${topic.name}].partitions`, topic.partitions, 1, 10_000);
  }
  return o;
}
