import { IntelGraphError } from '@intelgraph/errors';
import { BrokerFaults } from './faults.js';
import type { GroupState } from './group/consumer-group.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import type { KafkaRecord } from './log/record-batch.js';
import { TopicStore } from './log/topic-store.js';
import type { BrokerContext } from './server/broker-context.js';
import { BrokerServer } from './server/broker-server.js';
import { resolveTestBrokerOptions, type TestBrokerOptions } from './test-broker-options.js';
import { TransactionCoordinator } from './txn/transaction-coordinator.js';

export interface TestBroker extends AsyncDisposable {
  /** Bootstrap list for kafkajs: `new Kafka({ brokers: broker.brokers })`. */
  readonly brokers: string[];
  readonly host: string;
  readonly port: number;
  /** Fault hooks: drop connections, delay responses, take a partition's leader away. */
  readonly faults: BrokerFaults;
  /** Open client connections right now. */
  readonly connectionCount: number;
  createTopic(name: string, partitions?: number): void;
  /** Topic names, sorted. */
  topicNames(): string[];
  /** Data records of a partition (transaction markers excluded), for assertions. */
  records(topic: string, partition: number): (KafkaRecord & { transactional: boolean })[];
  /** The offset a group committed for a partition, if any. */
  committedOffset(groupId: string, topic: string, partition: number): bigint | undefined;
  /** A group's state and member count, or undefined when the broker never saw it. */
  group(groupId: string): { state: GroupState; generationId: number; members: number } | undefined;
  /** Stops listening, closes every connection and fails waiting requests. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an in-memory, single-node broker that speaks the Kafka wire protocol on loopback —
 * a TEST TOOL (like franz-go's kfake), not a Kafka substitute: nothing is persisted and there is
 * no replication. See the package README for the APIs and versions served.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const config = resolveTestBrokerOptions(options);
  const topics = new TopicStore();
  const groups = new GroupCoordinator();
  const stopController = new AbortController();
  const context: BrokerContext = {
    nodeId: config.nodeId,
    host: config.host,
    port: config.port,
    clusterId: config.clusterId,
    autoCreateTopics: config.autoCreateTopics,
    defaultPartitions: config.defaultPartitions,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    maxFetchWaitMs: config.maxFetchWaitMs,
    topics,
    groups,
    transactions: new TransactionCoordinator(topics, groups),
    faults: new BrokerFaults(),
    stopSignal: stopController.signal,
  };
  const createTopic = (name: string, partitions = config.defaultPartitions) => {
    const result = topics.create(name, partitions);
    if (result.errorCode !== 0) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `createTopic(${name}, ${partitions}): ${result.errorMessage}`,
        {
          input: { name, partitions },
        },
      );
    }
  };
  for (const topic of config.topics) createTopic(topic.name, topic.partitions);

  const server = new BrokerServer(context, stopController);
  try {
    context.port = await server.listen(config.host, config.port);
  } catch (cause) {
    groups.stop();
    throw new IntelGraphError(
      'CONFIG_INVALID',
      `startTestBroker: cannot listen on ${config.host}:${config.port}`,
      {
        input: { host: config.host, port: config.port },
        cause,
      },
    );
  }
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      groups.stop();
      await server.close();
    })();
    return stopped;
  };

  return {
    brokers: [`${config.host}:${context.port}`],
    host: config.host,
    port: context.port,
    faults: context.faults,
    get connectionCount() {
      return server.connectionCount;
    },
    createTopic,
    topicNames: () => topics.names(),
    records: (topic, partition) => topics.partition(topic, partition)?.records() ?? [],
    committedOffset: (groupId, topic, partition) =>
      groups.get(groupId)?.offsets.get(topic)?.get(partition)?.offset,
    group: (groupId) => {
      const group = groups.get(groupId);
      return group && { state: group.state, generationId: group.generationId, members: group.size };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
