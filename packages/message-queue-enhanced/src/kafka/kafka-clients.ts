import {
  Admin,
  type BaseOptions,
  Consumer,
  compatibilityPartitioner,
  type MessagesStream,
  type Partitioner,
  Producer,
  stringDeserializer,
  stringSerializer,
} from '@platformatic/kafka';

/**
 * Settings passed on to every @platformatic/kafka client of a transport: `tls`/`ssl`, `sasl`,
 * `retries`, `retryDelay`, `timeout`, `requestTimeout`, `metadataMaxAge`, `clientRack`… The
 * transport sets client id, brokers, the connect timeout and topic auto-creation (off) itself.
 */
export type KafkaClientSettings = Partial<
  Omit<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'connectTimeout' | 'autocreateTopics' | 'context'>
>;

/** Key and value as bytes, header names and values as text. */
export type KafkaProducer = Producer<Buffer, Buffer, string, string>;
export type KafkaConsumerClient = Consumer<Buffer, Buffer, string, string>;
export type KafkaMessagesStream = MessagesStream<Buffer, Buffer, string, string>;

/** What every client of one transport shares. */
export interface KafkaConnection {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly connectTimeoutMs: number;
  readonly settings: KafkaClientSettings;
}

export interface ConsumerGroupSettings {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** How long the coordinator waits for members to re-join during a rebalance. */
  readonly rebalanceTimeoutMs: number;
}

function baseOptions(connection: KafkaConnection): BaseOptions {
  return {
    ...connection.settings,
    clientId: connection.clientId,
    bootstrapBrokers: [...connection.brokers],
    connectTimeout: connection.connectTimeoutMs,
    autocreateTopics: false,
  };
}

/**
 * The partition of a record: with a key, murmur2 of the key, made positive by masking the sign
 * bit, modulo the partition count — what the Java client and kafkajs do, so a key keeps the
 * partition (and its order) it had when kafkajs or any other client wrote it (@platformatic/kafka's
 * default partitioner takes the hash unsigned and sends half the keys elsewhere). Without a key,
 * round robin (the client reduces the number modulo the partition count).
 */
export function keyPartitioner(): Partitioner<Buffer, Buffer, string, string> {
  let next = 0;
  return (message, key) => {
    if (key) return compatibilityPartitioner(message, key);
    next = (next + 1) % Number.MAX_SAFE_INTEGER;
    return next;
  };
}

/**
 * An idempotent producer (`acks: all`, one request in flight per broker, sequence numbers) or,
 * with a `transactionalId`, a transactional one. The client retries a failed send forever when
 * `retries` is unset; `retries` bounds that, so a send that cannot succeed gives up.
 */
export function createProducer(
  connection: KafkaConnection,
  options: { readonly retries: number; readonly transactionalId?: string },
): KafkaProducer {
  return new Producer<Buffer, Buffer, string, string>({
    ...baseOptions(connection),
    retries: connection.settings.retries ?? options.retries,
    idempotent: true,
    acks: -1,
    partitioner: keyPartitioner(),
    ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
    serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
  });
}

/**
 * The assignment protocol consumers announce when they join a group. Round robin, under the name
 * kafkajs gives its round-robin assigner: members of both clients then share one group (the
 * broker refuses a member whose protocol names none of the others'), so instances still running
 * the kafkajs version keep consuming next to upgraded ones during a rolling upgrade. (Tested:
 * a kafkajs and a @platformatic/kafka member split four partitions two and two.)
 */
const GROUP_PROTOCOLS = [{ name: 'RoundRobinAssigner', version: 1 }];

/**
 * A consumer of one group with manual commits. Heartbeats run in the background (a slow handler
 * never makes the member miss one); the interval is a third of the session timeout, at most 3 s.
 * Fetches are capped like kafkajs's defaults (10 MB a fetch, 1 MB a partition).
 */
export function createConsumer(
  connection: KafkaConnection,
  group: ConsumerGroupSettings,
): KafkaConsumerClient {
  return new Consumer<Buffer, Buffer, string, string>({
    ...baseOptions(connection),
    groupId: group.groupId,
    sessionTimeout: group.sessionTimeoutMs,
    rebalanceTimeout: group.rebalanceTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(group.sessionTimeoutMs / 3)),
    protocols: GROUP_PROTOCOLS,
    autocommit: false,
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 1024 * 1024,
    deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
}

export function createAdmin(connection: KafkaConnection): Admin {
  return new Admin(baseOptions(connection));
}
