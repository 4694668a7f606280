import type { Gauge } from '@intelgraph/telemetry';
import type { GroupAssignment } from '@platformatic/kafka';
import type { MessageHandler } from '../messages/message.js';
import { describeError, failureDisposition } from '../transport/failure-disposition.js';
import { type RetryPolicy, retryDelay } from '../transport/retry-policy.js';
import type { TransportMetrics } from '../transport/transport-metrics.js';
import { withDeadline } from '../transport/with-deadline.js';
import {
  createConsumer,
  type KafkaConnection,
  type KafkaConsumerClient,
  type KafkaMessagesStream,
  type KafkaProducer,
} from './kafka-clients.js';
import {
  type ConsumedRecord,
  deadLetterTopicName,
  headerText,
  KH,
  kafkaGroupId,
  retryTopicName,
  rewrite,
  toDelivered,
} from './kafka-codec.js';
import { PartitionLanes } from './partition-lanes.js';

export interface KafkaConsumerDeps {
  readonly connection: KafkaConnection;
  readonly producer: () => Promise<KafkaProducer>;
  readonly metrics: TransportMetrics;
  readonly lag: Gauge<'transport' | 'topic' | 'group'>;
  readonly retry: RetryPolicy;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly joinTimeoutMs: number;
  /** How often the consumer lag is sampled; 0 = never. */
  readonly lagIntervalMs: number;
}

type State = 'idle' | 'running' | 'restarting' | 'closing';

const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10_000];

/**
 * One subscription = one consumer in the Kafka group `<group>.<topic>`, reading the topic and the
 * group's retry topic. Offsets are committed by hand, one record at a time, only after the record
 * is done with: handled, or copied to the retry or dead-letter topic (`acks: all`). A crash in
 * between hands the record again (at least once). A retry record waits for its due time before
 * its handler, holding back only its own retry-topic partition.
 *
 * If the client gives up on the group (a failed re-join) or its stream fails, the consumer is
 * replaced by a new one after a backoff; what was not committed is handed again.
 */
export class KafkaConsumer {
  private state: State = 'idle';
  private consumer: KafkaConsumerClient | undefined;
  private stream: KafkaMessagesStream | undefined;
  private lanes: PartitionLanes<ConsumedRecord> | undefined;
  private closing: Promise<void> | undefined;
  /** Settles the commits still waiting when the consumer is replaced (see commit()). */
  private abandonCommits: (() => void) | undefined;
  private commitsAbandoned: Promise<void> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly group: string,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
    private readonly deps: KafkaConsumerDeps,
  ) {}

  /** Resolves once the consumer joined its group (or rejects after `joinTimeoutMs`). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Graceful: handlers in flight finish and commit, queued records are left, the member leaves the group. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closing';
      await this.disconnect();
    })();
    return this.closing;
  }

  private async connect(): Promise<void> {
    const consumer = createConsumer(this.deps.connection, {
      groupId: kafkaGroupId(this.topic, this.group),
      sessionTimeoutMs: this.deps.sessionTimeoutMs,
      rebalanceTimeoutMs: this.deps.joinTimeoutMs,
    });
    const lanes = new PartitionLanes<ConsumedRecord>({
      concurrency: this.concurrency,
      handle: (record) => this.handle(record),
      dueAt: (record) => Number(headerText(record.headers, KH.retryAt) ?? 0),
      highWater: Math.max(500, this.concurrency * 50),
      lowWater: Math.max(250, this.concurrency * 25),
      onPressure: (pause) => (pause ? this.stream?.pause() : this.stream?.resume()),
      retryDelayMs: 1000,
    });
    this.consumer = consumer;
    this.lanes = lanes;
    this.commitsAbandoned = new Promise<void>((resolve) => {
      this.abandonCommits = resolve;
    });
    consumer.on('error', (error) => this.restart(consumer, error));
    consumer.on('consumer:group:join', ({ assignments }) => lanes.reassigned(owned(assignments)));
    consumer.on('consumer:lag', (lag) => {
      const total = (lag.get(this.topic) ?? []).reduce((sum, l) => (l >= 0n ? sum + l : sum), 0n);
      this.deps.lag.set({ transport: 'kafka', topic: this.topic, group: this.group }, Number(total));
    });
    let stream: KafkaMessagesStream;
    try {
      const joinedAndPlaced = (async () => {
        // consume() joins the group first: resolving means joined.
        const joined = await consumer.consume({
          topics: [this.topic, retryTopicName(this.topic, this.group)],
          mode: 'committed',
          fallbackMode: this.deps.fromBeginning ? 'earliest' : 'latest',
          autocommit: false,
        });
        // Its errors are handled below once it is ours; this keeps one that comes while it is
        // still being set up (or after the deadline gave up on it) from crashing the process.
        joined.on('error', () => {});
        // Then the stream looks up where to start (the committed offsets, or the log's start or
        // end for a new group). Only then is every later publish sure to be read: with
        // `fromBeginning: false`, a message published between the join and that lookup would
        // fall before the end it finds and be skipped.
        if (joined.offsetsToFetch.size === 0) await startPositions(joined);
        return joined;
      })();
      stream = await withDeadline(joinedAndPlaced, this.deps.joinTimeoutMs, 'consumer-group join');
    } catch (error) {
      await consumer.close(true).catch(() => {});
      throw error;
    }
    if (this.state === 'closing') {
      await stream.close().catch(() => {});
      await consumer.close(true).catch(() => {});
      return;
    }
    this.stream = stream;
    this.state = 'running';
    stream.on('data', (record: ConsumedRecord) => lanes.add(record));
    stream.on('error', (error) => this.restart(consumer, error));
    stream.on('close', () => this.restart(consumer, new Error('the messages stream closed')));
    if (this.deps.lagIntervalMs > 0)
      consumer.startLagMonitoring({ topics: [this.topic] }, this.deps.lagIntervalMs);
  }

  private async disconnect(): Promise<void> {
    const { consumer, stream, lanes } = this;
    stream?.pause();
    await lanes?.stop();
    consumer?.stopLagMonitoring();
    await stream?.close().catch(() => {});
    await consumer?.close().catch(() => consumer.close(true).catch(() => {}));
  }

  /** The client left the group for good or its stream failed: a new consumer, after a backoff. */
  private restart(consumer: KafkaConsumerClient, _cause: unknown): void {
    if (this.state !== 'running' || consumer !== this.consumer) return;
    this.state = 'restarting';
    this.abandonCommits?.();
    void (async () => {
      await this.disconnect();
      for (let attempt = 0; this.state === 'restarting'; attempt++) {
        await new Promise((r) =>
          setTimeout(r, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]),
        );
        if (this.state !== 'restarting') return;
        try {
          await this.connect();
        } catch {
          // Brokers still unreachable: try again.
        }
      }
    })();
  }

  private async handle(record: ConsumedRecord): Promise<void> {
    const labels = { transport: 'kafka', topic: this.topic, group: this.group };
    let attempt = Number(headerText(record.headers, KH.attempt) ?? 1);
    let failure: unknown;
    let invalid: string | undefined;
    let delivered: ReturnType<typeof toDelivered> | undefined;
    try {
      delivered = toDelivered(record, record.topic, this.group);
      attempt = delivered.attempt;
    } catch (error) {
      failure = error;
      invalid = `undecodable value: ${describeError(error)}`;
    }
    if (delivered) {
      try {
        await this.handler(delivered);
      } catch (error) {
        failure = error;
      }
    }
    if (failure === undefined) {
      this.deps.metrics.consumed.inc(labels);
    } else {
      const maxRetries = Number(headerText(record.headers, KH.maxRetries) ?? 0);
      const disposition = invalid
        ? ({ action: 'dead-letter', reason: 'invalid-message', error: invalid } as const)
        : failureDisposition(failure, attempt, maxRetries);
      const producer = await this.deps.producer();
      if (disposition.action === 'retry') {
        const due = Date.now() + retryDelay(this.deps.retry, disposition.retry);
        await producer.send({
          messages: [
            rewrite(record, retryTopicName(this.topic, this.group), {
              [KH.attempt]: String(attempt + 1),
              [KH.retryAt]: String(due),
            }),
          ],
        });
        this.deps.metrics.retried.inc(labels);
      } else {
        await producer.send({
          messages: [
            rewrite(record, deadLetterTopicName(this.topic, this.group), {
              [KH.retryAt]: undefined,
              [KH.reason]: disposition.reason,
              [KH.lastError]: disposition.error,
              [KH.deadAt]: String(Date.now()),
            }),
          ],
        });
        this.deps.metrics.deadLettered.inc({ ...labels, reason: disposition.reason });
      }
    }
    await this.commit(record);
  }

  /**
   * The client queues a commit asked for while the member re-joins and sends it once joined; if
   * the member never re-joins (it is being replaced) the commit would wait forever and hold the
   * handler slot, the lane and the replacement. So a commit waits at most a session timeout, and
   * not at all once the consumer is being replaced. Not committed, the record is handed again from
   * the last committed offset, to this member or another (at least once).
   */
  private async commit(record: ConsumedRecord): Promise<void> {
    const committed = Promise.resolve(record.commit());
    committed.catch(() => {});
    await Promise.race([
      withDeadline(committed, this.deps.sessionTimeoutMs, 'offset commit'),
      this.commitsAbandoned,
    ]).catch(() => {});
  }
}

function owned(assignments: readonly GroupAssignment[] | undefined): ReadonlySet<string> {
  return new Set((assignments ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
}

/** Resolves when the stream has looked up its start offsets ('offsets'), rejects if it fails first. */
function startPositions(stream: KafkaMessagesStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('offsets', onOffsets);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const onOffsets = () => done();
    stream.on('offsets', onOffsets);
    stream.on('error', done);
  });
}
