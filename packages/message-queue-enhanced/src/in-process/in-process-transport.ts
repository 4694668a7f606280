import { IntelGraphError } from '@intelgraph/errors';
import { type PreparedMessage, prepareMessage } from '../messages/envelope.js';
import {
  type DeadLetter,
  type DeliveredMessage,
  type MessageHandler,
  type OutgoingMessage,
  PRIORITY_VALUES,
} from '../messages/message.js';
import { failureDisposition } from '../transport/failure-disposition.js';
import { resolveSubscribeOptions } from '../transport/resolve-subscribe-options.js';
import { retryDelay } from '../transport/retry-policy.js';
import type {
  DeadLetterQuery,
  DeadLetterReplay,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../transport/transport.js';
import { createTransportMetrics, type TransportMetrics } from '../transport/transport-metrics.js';
import {
  type ResolvedTransportOptions,
  resolveTransportOptions,
  type TransportOptions,
} from '../transport/transport-options.js';

export type InProcessTransportOptions = TransportOptions;

interface Pending {
  readonly message: PreparedMessage;
  readonly attempt: number;
  readonly seq: number;
}

interface Consumer {
  readonly handler: MessageHandler;
  readonly prefetch: number;
  inFlight: number;
  closed: boolean;
  readonly idle: Set<() => void>;
}

interface Group {
  readonly name: string;
  readonly topic: string;
  /** Ready messages, highest priority first, FIFO within a priority. */
  readonly ready: Pending[];
  readonly consumers: Consumer[];
  readonly deadLetters: Array<{ letter: DeadLetter; message: PreparedMessage }>;
  next: number;
}

/**
 * The embedded default transport: everything in memory, in this process, with the semantics of
 * the broker-backed ones (consumer groups, priorities, acks, retries with backoff, dead letters).
 * Nothing survives the process: use it for one-process deployments, development and tests.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  readonly metrics: TransportMetrics;
  private readonly options: ResolvedTransportOptions;
  private readonly topics = new Map<string, Map<string, Group>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  private closed = false;

  constructor(options: InProcessTransportOptions = {}) {
    this.options = resolveTransportOptions(options);
    this.metrics = createTransportMetrics(options.metrics);
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    const prepared = prepareMessage(topic, message, this.options.envelope);
    this.metrics.published.inc({ transport: this.kind, topic });
    // Like a broker's durable work queue: these groups exist as soon as anyone publishes.
    for (const group of this.options.declareGroupsOnPublish) this.group(topic, group);
    for (const group of this.topics.get(topic)?.values() ?? []) this.enqueue(group, prepared, 1);
    this.metrics.confirmed.inc({ transport: this.kind, topic });
  }

  async subscribe(
    topic: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const { group: groupName, prefetch } = resolveSubscribeOptions(topic, options, this.options);
    const group = this.group(topic, groupName);
    const consumer: Consumer = { handler, prefetch, inFlight: 0, closed: false, idle: new Set() };
    group.consumers.push(consumer);
    queueMicrotask(() => this.dispatch(group));
    return {
      topic,
      group: groupName,
      close: async () => {
        if (consumer.closed) return;
        consumer.closed = true;
        group.consumers.splice(group.consumers.indexOf(consumer), 1);
        if (consumer.inFlight > 0) await new Promise<void>((resolve) => consumer.idle.add(resolve));
      },
    };
  }

  async listDeadLetters(topic: string, options: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const group = this.topics.get(topic)?.get(options.group ?? this.options.defaultGroup);
    return (group?.deadLetters ?? []).slice(0, options.limit ?? 100).map((d) => d.letter);
  }

  async replayDeadLetters(topic: string, options: DeadLetterReplay = {}): Promise<number> {
    this.assertOpen();
    const group = this.topics.get(topic)?.get(options.group ?? this.options.defaultGroup);
    if (!group) return 0;
    const wanted = options.ids ? new Set(options.ids) : undefined;
    if (wanted) {
      for (const id of wanted) {
        if (!group.deadLetters.some((d) => d.message.id === id)) {
          throw new IntelGraphError(
            'DEAD_LETTER_NOT_FOUND',
            `no dead letter '${id}' on ${topic}/${group.name}`,
            {
              input: id,
            },
          );
        }
      }
    }
    const replay = group.deadLetters.filter((d) => !wanted || wanted.has(d.message.id));
    for (const d of replay) group.deadLetters.splice(group.deadLetters.indexOf(d), 1);
    for (const d of replay) this.enqueue(group, d.message, 1);
    return replay.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const waits: Promise<void>[] = [];
    for (const groups of this.topics.values()) {
      for (const group of groups.values()) {
        for (const consumer of group.consumers.splice(0)) {
          consumer.closed = true;
          if (consumer.inFlight > 0) waits.push(new Promise<void>((resolve) => consumer.idle.add(resolve)));
        }
      }
    }
    await Promise.all(waits);
  }

  private group(topic: string, name: string): Group {
    let groups = this.topics.get(topic);
    if (!groups) {
      groups = new Map();
      this.topics.set(topic, groups);
    }
    let group = groups.get(name);
    if (!group) {
      group = { name, topic, ready: [], consumers: [], deadLetters: [], next: 0 };
      groups.set(name, group);
    }
    return group;
  }

  private enqueue(group: Group, message: PreparedMessage, attempt: number): void {
    const pending: Pending = { message, attempt, seq: this.seq++ };
    const rank = PRIORITY_VALUES[message.priority];
    // Insert after every message of equal or higher priority: FIFO within a priority.
    let at = group.ready.length;
    while (at > 0 && PRIORITY_VALUES[group.ready[at - 1]!.message.priority] < rank) at--;
    group.ready.splice(at, 0, pending);
    this.dispatch(group);
  }

  private dispatch(group: Group): void {
    while (group.ready.length > 0 && !this.closed) {
      const consumer = this.nextFreeConsumer(group);
      if (!consumer) return;
      const pending = group.ready.shift()!;
      consumer.inFlight++;
      void this.deliver(group, consumer, pending);
    }
  }

  /** Round robin over the group's consumers that have room under their prefetch. */
  private nextFreeConsumer(group: Group): Consumer | undefined {
    const n = group.consumers.length;
    for (let i = 0; i < n; i++) {
      const consumer = group.consumers[(group.next + i) % n]!;
      if (consumer.inFlight < consumer.prefetch) {
        group.next = (group.next + i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }

  private async deliver(group: Group, consumer: Consumer, pending: Pending): Promise<void> {
    const { message, attempt } = pending;
    const labels = { transport: this.kind, topic: group.topic, group: group.name };
    try {
      await consumer.handler(toDelivered(message, attempt, group.name));
      this.metrics.consumed.inc(labels);
    } catch (error) {
      const disposition = failureDisposition(error, attempt, message.maxRetries);
      if (disposition.action === 'retry' && !this.closed) {
        this.metrics.retried.inc(labels);
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            this.enqueue(group, message, attempt + 1);
          },
          retryDelay(this.options.retry, disposition.retry),
        );
        this.timers.add(timer);
      } else if (disposition.action === 'dead-letter') {
        this.metrics.deadLettered.inc({ ...labels, reason: disposition.reason });
        group.deadLetters.push({
          message,
          letter: {
            message: toDelivered(message, attempt, group.name),
            reason: disposition.reason,
            lastError: disposition.error,
            deadLetteredAt: Date.now(),
          },
        });
      }
    } finally {
      consumer.inFlight--;
      if (consumer.inFlight === 0) {
        for (const resolve of consumer.idle) resolve();
        consumer.idle.clear();
      }
      this.dispatch(group);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new IntelGraphError('TRANSPORT_CLOSED', 'the in-process transport is closed');
  }
}

function toDelivered(message: PreparedMessage, attempt: number, group: string): DeliveredMessage {
  return {
    id: message.id,
    topic: message.topic,
    type: message.type,
    // Decoded per delivery, as from a broker: a handler never shares an object with the producer.
    payload: JSON.parse(message.body.toString('utf8')) as unknown,
    key: message.key,
    headers: message.headers,
    priority: message.priority,
    attempt,
    maxRetries: message.maxRetries,
    timestamp: message.timestamp,
    group,
  };
}
