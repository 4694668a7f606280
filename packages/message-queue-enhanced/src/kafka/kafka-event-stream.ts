import { IntelGraphError } from '@intelgraph/errors';
import type { Gauge } from '@intelgraph/telemetry';
import type { Admin } from '@platformatic/kafka';
import { prepareMessage } from '../messages/envelope.js';
import type { DeadLetter, MessageHandler, OutgoingMessage } from '../messages/message.js';
import { resolveSubscribeOptions } from '../transport/resolve-subscribe-options.js';
import type {
  DeadLetterQuery,
  DeadLetterReplay,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../transport/transport.js';
import {
  consumerLagGauge,
  createTransportMetrics,
  type TransportMetrics,
} from '../transport/transport-metrics.js';
import {
  assertName,
  configInvalid,
  positiveInteger,
  type ResolvedTransportOptions,
  resolveTransportOptions,
  type TransportOptions,
} from '../transport/transport-options.js';
import { withDeadline } from '../transport/with-deadline.js';
import {
  createAdmin,
  createProducer,
  type KafkaClientSettings,
  type KafkaConnection,
  type KafkaProducer,
} from './kafka-clients.js';
import { deadLetterTopicName, retryTopicName, toKafkaRecord } from './kafka-codec.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { KafkaDeadLetters } from './kafka-dead-letters.js';
import { KafkaTransformer, type TransformFn } from './kafka-transformer.js';

export interface KafkaEventStreamOptions extends TransportOptions {
  readonly clientId: string;
  /** `host:port` of at least one broker. */
  readonly brokers: readonly string[];
  /** Default consumer group (same as `defaultGroup`; the documented name). */
  readonly groupId?: string;
  /** Partitions of topics this library creates. Default 3. */
  readonly numPartitions?: number;
  /** Replication factor of topics this library creates; -1 = the broker's default. Default -1. */
  readonly replicationFactor?: number;
  /** A new group starts at the beginning of the topic (else at its end). Default true. */
  readonly fromBeginning?: boolean;
  /** How long `publish` waits for `acks: all` before PUBLISH_NOT_CONFIRMED. Default 30000 ms. */
  readonly publishTimeoutMs?: number;
  /** How long `subscribe` waits for the consumer-group join. Default 60000 ms. */
  readonly joinTimeoutMs?: number;
  /** Consumer session timeout. Default 30000 ms. */
  readonly sessionTimeoutMs?: number;
  /** Connection timeout of every client. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** How often each subscription samples its consumer lag (`intelgraph_consumer_lag_messages`); 0 = never. Default 10000 ms. */
  readonly lagIntervalMs?: number;
  /**
   * Extra @platformatic/kafka client settings, given to every producer, consumer and admin client
   * of the transport: `tls`, `sasl`, `retries`, `retryDelay`, `timeout`, `requestTimeout`…
   */
  readonly kafka?: KafkaClientSettings;
}

export const KAFKA_DEFAULTS = {
  numPartitions: 3,
  replicationFactor: -1,
  fromBeginning: true,
  publishTimeoutMs: 30_000,
  joinTimeoutMs: 60_000,
  sessionTimeoutMs: 30_000,
  connectionTimeoutMs: 3000,
  lagIntervalMs: 10_000,
} as const;

/**
 * The Kafka transport (@platformatic/kafka): an idempotent producer sending with `acks: all`,
 * message keys for per-aggregate order, one consumer per subscription committing each offset only
 * after the record is handled (or parked on the retry / dead-letter topic), graceful shutdown, and
 * `transform` for consume-transform-produce inside Kafka transactions.
 */
export class KafkaEventStream implements Transport {
  readonly kind = 'kafka';
  readonly metrics: TransportMetrics;
  private readonly connection: KafkaConnection;
  private readonly options: ResolvedTransportOptions;
  private readonly settings: Required<
    Pick<
      KafkaEventStreamOptions,
      | 'numPartitions'
      | 'replicationFactor'
      | 'fromBeginning'
      | 'publishTimeoutMs'
      | 'joinTimeoutMs'
      | 'sessionTimeoutMs'
      | 'lagIntervalMs'
    >
  >;
  private readonly lag: Gauge<'transport' | 'topic' | 'group'>;
  private producerClient: KafkaProducer | undefined;
  private adminClient: Admin | undefined;
  private readonly topicsReady = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: KafkaEventStreamOptions) {
    if (typeof options?.clientId !== 'string' || options.clientId.length === 0) {
      throw configInvalid('clientId', options?.clientId, 'a non-empty string');
    }
    if (
      !Array.isArray(options.brokers) ||
      options.brokers.length === 0 ||
      !options.brokers.every((b) => /^[^\s:]+:\d+$/.test(b))
    ) {
      throw configInvalid('brokers', options.brokers, 'a non-empty list of host:port');
    }
    this.options = resolveTransportOptions({
      ...options,
      defaultGroup: options.groupId ?? options.defaultGroup,
    });
    this.settings = {
      numPartitions: options.numPartitions ?? KAFKA_DEFAULTS.numPartitions,
      replicationFactor: options.replicationFactor ?? KAFKA_DEFAULTS.replicationFactor,
      fromBeginning: options.fromBeginning ?? KAFKA_DEFAULTS.fromBeginning,
      publishTimeoutMs: options.publishTimeoutMs ?? KAFKA_DEFAULTS.publishTimeoutMs,
      joinTimeoutMs: options.joinTimeoutMs ?? KAFKA_DEFAULTS.joinTimeoutMs,
      sessionTimeoutMs: options.sessionTimeoutMs ?? KAFKA_DEFAULTS.sessionTimeoutMs,
      lagIntervalMs: options.lagIntervalMs ?? KAFKA_DEFAULTS.lagIntervalMs,
    };
    positiveInteger('numPartitions', this.settings.numPartitions);
    positiveInteger('publishTimeoutMs', this.settings.publishTimeoutMs);
    positiveInteger('joinTimeoutMs', this.settings.joinTimeoutMs);
    positiveInteger('sessionTimeoutMs', this.settings.sessionTimeoutMs);
    if (!Number.isInteger(this.settings.lagIntervalMs) || this.settings.lagIntervalMs < 0) {
      throw configInvalid('lagIntervalMs', this.settings.lagIntervalMs, 'an integer >= 0');
    }
    const connectTimeoutMs = options.connectionTimeoutMs ?? KAFKA_DEFAULTS.connectionTimeoutMs;
    positiveInteger('connectionTimeoutMs', connectTimeoutMs);
    this.connection = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectTimeoutMs,
      settings: { ...options.kafka },
    };
    this.metrics = createTransportMetrics(options.metrics);
    this.lag = consumerLagGauge(this.metrics.registry);
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    const prepared = prepareMessage(topic, message, this.options.envelope);
    await this.ensureTopics([topic]);
    const producer = await this.producer();
    this.metrics.published.inc({ transport: this.kind, topic });
    try {
      await withDeadline(
        producer.send({ messages: [toKafkaRecord(prepared)] }),
        this.settings.publishTimeoutMs,
        'acknowledgement',
      );
    } catch (cause) {
      this.discardProducer(producer);
      throw new IntelGraphError(
        'PUBLISH_NOT_CONFIRMED',
        `Kafka did not acknowledge the publish to '${topic}'`,
        {
          input: { topic, id: prepared.id },
          cause,
        },
      );
    }
    this.metrics.confirmed.inc({ transport: this.kind, topic });
  }

  async subscribe(
    topic: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const { group, prefetch: concurrency } = resolveSubscribeOptions(topic, options, this.options);
    await this.ensureTopics([topic, retryTopicName(topic, group), deadLetterTopicName(topic, group)]);
    const consumer = new KafkaConsumer(topic, group, handler, concurrency, {
      connection: this.connection,
      producer: () => this.producer(),
      metrics: this.metrics,
      lag: this.lag,
      retry: this.options.retry,
      fromBeginning: this.settings.fromBeginning,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      joinTimeoutMs: this.settings.joinTimeoutMs,
      lagIntervalMs: this.settings.lagIntervalMs,
    });
    try {
      await consumer.start();
    } catch (cause) {
      await consumer.close().catch(() => {});
      throw new IntelGraphError('TRANSPORT_UNAVAILABLE', `could not join group '${group}' on '${topic}'`, {
        input: { topic, group },
        cause,
      });
    }
    const subscription: Subscription = {
      topic,
      group,
      close: async () => {
        this.subscriptions.delete(subscription);
        await consumer.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Consume-transform-produce exactly once within Kafka: each input record's outputs and its
   * offset commit go in one Kafka transaction (needs a broker with transactions).
   */
  async transform(
    input: string,
    output: string,
    fn: TransformFn,
    options: { group?: string; transactionalId: string },
  ): Promise<Subscription> {
    this.assertOpen();
    const group = options.group ?? this.options.defaultGroup;
    assertName('group', group);
    await this.ensureTopics([input, output]);
    const transformer = new KafkaTransformer(
      {
        connection: this.connection,
        input,
        output,
        group,
        transactionalId: options.transactionalId,
        sessionTimeoutMs: this.settings.sessionTimeoutMs,
        joinTimeoutMs: this.settings.joinTimeoutMs,
        producerRetries: this.producerRetries(),
      },
      fn,
      this.options,
    );
    try {
      await withDeadline(transformer.start(), this.settings.joinTimeoutMs, 'consumer-group join');
    } catch (cause) {
      await transformer.close().catch(() => {});
      throw new IntelGraphError('TRANSPORT_UNAVAILABLE', `could not start the transform of '${input}'`, {
        input: { input, output, group },
        cause,
      });
    }
    const subscription: Subscription = {
      topic: input,
      group,
      close: async () => {
        this.subscriptions.delete(subscription);
        await transformer.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async listDeadLetters(topic: string, options: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const group = options.group ?? this.options.defaultGroup;
    return this.deadLetters().list(topic, group, options.limit ?? 100);
  }

  async replayDeadLetters(topic: string, options: DeadLetterReplay = {}): Promise<number> {
    this.assertOpen();
    const group = options.group ?? this.options.defaultGroup;
    return this.deadLetters().replay(topic, group, options.ids);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close().catch(() => {})));
    this.subscriptions.clear();
    const producer = this.producerClient;
    await producer?.close().catch(() => producer.close(true).catch(() => {}));
    await this.adminClient?.close().catch(() => {});
  }

  private deadLetters(): KafkaDeadLetters {
    return new KafkaDeadLetters(
      this.connection,
      () => this.admin(),
      () => this.producer(),
      this.settings.joinTimeoutMs,
    );
  }

  /**
   * The client retries a failed send forever unless told otherwise; about one retry a second for
   * the publish deadline is enough (after it the publish has failed anyway).
   */
  private producerRetries(): number {
    return Math.max(3, Math.ceil(this.settings.publishTimeoutMs / 1000));
  }

  /** The clients connect on first use: a broker that cannot be reached fails the request itself. */
  private async producer(): Promise<KafkaProducer> {
    this.producerClient ??= createProducer(this.connection, { retries: this.producerRetries() });
    return this.producerClient;
  }

  /**
   * After a publish failed (no acknowledgement by its deadline), the producer is closed, which
   * cancels the client's pending retries of that send, and the next publish gets a new one. Left
   * alone, the client would keep resending in the background and could store the message after
   * the publish was reported failed — and after the caller (the outbox relay) sent it again.
   * Retries within the deadline stay on one producer, where the broker's idempotence drops copies.
   */
  private discardProducer(producer: KafkaProducer): void {
    if (this.producerClient !== producer) return;
    this.producerClient = undefined;
    void producer.close(true).catch(() => {});
  }

  private async admin(): Promise<Admin> {
    this.adminClient ??= createAdmin(this.connection);
    return this.adminClient;
  }

  /**
   * Creates the topics that do not exist yet. `createTopics` fails as a whole when one of them
   * exists (created meanwhile by another process) though it created the others: an error made
   * only of "already exists" answers is success.
   */
  private async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.topicsReady.has(t));
    if (missing.length > 0) {
      const pending = (async () => {
        const admin = await this.admin();
        const existing = new Set(await admin.listTopics());
        const create = missing.filter((t) => !existing.has(t));
        if (create.length === 0) return;
        try {
          await admin.createTopics({
            topics: create,
            partitions: this.settings.numPartitions,
            replicas: this.settings.replicationFactor,
          });
        } catch (cause) {
          if (!onlyTopicsAlreadyExist(cause)) throw cause;
        }
      })();
      for (const t of missing) {
        this.topicsReady.set(
          t,
          pending.catch((cause: unknown) => {
            this.topicsReady.delete(t);
            throw IntelGraphError.is(cause) ? cause : unavailable(cause);
          }),
        );
      }
    }
    await Promise.all(topics.map((t) => this.topicsReady.get(t)));
  }

  private assertOpen(): void {
    if (this.closed) throw new IntelGraphError('TRANSPORT_CLOSED', 'the Kafka transport is closed');
  }
}

function unavailable(cause: unknown): IntelGraphError {
  return new IntelGraphError('TRANSPORT_UNAVAILABLE', 'cannot reach the Kafka brokers', { cause });
}

/** True when every broker answer inside a (nested) client error is TOPIC_ALREADY_EXISTS. */
function onlyTopicsAlreadyExist(error: unknown): boolean {
  const leaves: unknown[] = [];
  const collect = (e: unknown) => {
    const nested = (e as { errors?: unknown[] } | undefined)?.errors;
    if (Array.isArray(nested) && nested.length > 0) nested.forEach(collect);
    else leaves.push(e);
  };
  collect(error);
  return leaves.every((e) => (e as { apiId?: string } | undefined)?.apiId === 'TOPIC_ALREADY_EXISTS');
}
