import type { Channel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import type { MessageHandler } from '../messages/message.js';
import { describeError, failureDisposition } from '../transport/failure-disposition.js';
import { type RetryPolicy, retryDelay } from '../transport/retry-policy.js';
import type { Subscription } from '../transport/transport.js';
import type { TransportMetrics } from '../transport/transport-metrics.js';
import { H, republishOptions, toDelivered } from './rabbitmq-codec.js';
import type { RabbitMQPublisher } from './rabbitmq-publisher.js';
import { type GroupTopology, type Lane, retryQueueFor } from './rabbitmq-topology.js';

export interface RabbitMQConsumerDeps {
  readonly connection: RecoveringChannelModel;
  readonly publisher: RabbitMQPublisher;
  readonly metrics: TransportMetrics;
  readonly retry: RetryPolicy;
  /** Sets the consumer-lag gauge (messages ready in the group's lanes). */
  readonly reportLag: (messages: number) => void;
  readonly lagIntervalMs: number;
  /**
   * Runs on the consumer's channel before each (re)start consumes: an ephemeral group declares its
   * queues again here, since the broker may have expired them while the connection was down.
   */
  readonly beforeConsume?: (channel: Channel) => Promise<void>;
}

/**
 * One subscription: its own channel consuming each of the group's lanes (one quorum queue per
 * priority, rabbitmq-topology.ts) with manual acks. When the channel or connection dies it comes
 * back by itself, with backoff, and consumes again; the broker has requeued whatever was
 * unacknowledged.
 *
 * Priorities: each lane's consumer may hold `prefetch` deliveries, but at most `prefetch`
 * handlers run at once across lanes, and a freed slot always goes to the most urgent lane with a
 * message waiting. So a critical message never waits behind a backlog of lower ones (its lane has
 * its own credit), and the handler concurrency is what `prefetch` says, as with one queue. The
 * messages held but not started are unacknowledged: a crash gives them back to the broker.
 *
 * A failed delivery is first copied, with its next attempt number, to the retry queue (or, when
 * its retries are spent, to the dead-letter queue with the reason and last error) under a publisher
 * confirm, and only then acknowledged: a crash in between leaves a duplicate, never a loss.
 */
export class RabbitMQConsumer implements Subscription {
  private channel: Channel | undefined;
  private consumerTags: string[] = [];
  /** Deliveries received but not started, per lane, most urgent lane first. */
  private readonly waiting: { lane: Lane; messages: ConsumeMessage[] }[];
  private closed = false;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private restartTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private restarts = 0;

  constructor(
    readonly topic: string,
    readonly group: string,
    private readonly topology: GroupTopology,
    private readonly handler: MessageHandler,
    private readonly prefetch: number,
    private readonly deps: RabbitMQConsumerDeps,
  ) {
    this.waiting = topology.lanes.map((lane) => ({ lane, messages: [] }));
  }

  async start(): Promise<void> {
    const channel = await this.deps.connection.createChannel();
    if (this.closed) {
      await channel.close().catch(() => {});
      return;
    }
    this.channel = channel;
    channel.on('error', () => {});
    channel.on('close', () => {
      if (this.channel === channel) {
        this.channel = undefined;
        // The broker requeues what this channel held; drop our copies.
        for (const w of this.waiting) w.messages.length = 0;
        this.scheduleRestart();
      }
    });
    await this.deps.beforeConsume?.(channel);
    // Per consumer (quorum queues have no channel-wide prefetch): each lane's own credit.
    await channel.prefetch(this.prefetch);
    const tags: string[] = [];
    for (const waiting of this.waiting) {
      const reply = await channel.consume(waiting.lane.queue, (message) => {
        if (message === null) {
          // Cancelled by the broker (queue deleted or failed over): start over.
          if (this.channel === channel) void channel.close().catch(() => {});
          return;
        }
        waiting.messages.push(message);
        this.pump(channel);
      });
      tags.push(reply.consumerTag);
    }
    this.consumerTags = tags;
    this.restarts = 0;
    if (!this.lagTimer && this.deps.lagIntervalMs > 0) {
      this.lagTimer = setInterval(() => void this.sampleLag(), this.deps.lagIntervalMs);
      this.lagTimer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.lagTimer);
    const channel = this.channel;
    if (channel) for (const tag of this.consumerTags) await channel.cancel(tag).catch(() => {});
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
    this.channel = undefined;
    if (channel) await channel.close().catch(() => {});
  }

  private scheduleRestart(): void {
    if (this.closed || this.restartTimer) return;
    const delay = Math.min(5000, 100 * 2 ** Math.min(this.restarts++, 6));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start().catch(() => this.scheduleRestart());
    }, delay);
  }

  /** Starts waiting deliveries, most urgent lane first, while fewer than `prefetch` run. */
  private pump(channel: Channel): void {
    while (!this.closed && this.channel === channel && this.inFlight < this.prefetch) {
      const next = this.waiting.find((w) => w.messages.length > 0);
      if (!next) return;
      void this.handle(channel, next.messages.shift()!, next.lane);
    }
  }

  private async sampleLag(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    try {
      let ready = 0;
      for (const lane of this.topology.lanes) ready += (await channel.checkQueue(lane.queue)).messageCount;
      this.deps.reportLag(ready);
    } catch {
      // the channel died; the restart path handles it
    }
  }

  private async handle(channel: Channel, message: ConsumeMessage, lane: Lane): Promise<void> {
    this.inFlight++;
    const labels = { transport: 'rabbitmq', topic: this.topic, group: this.group };
    try {
      let attempt = Number(message.properties.headers?.[H.attempt] ?? 1);
      let failure: unknown;
      try {
        const delivered = toDelivered(message, this.group);
        attempt = delivered.attempt;
        try {
          await this.handler(delivered);
          this.deps.metrics.consumed.inc(labels);
          safely(() => channel.ack(message));
          return;
        } catch (error) {
          failure = error;
        }
      } catch (decodeError) {
        await this.deadLetter(message, 'invalid-message', `undecodable body: ${describeError(decodeError)}`);
        this.deps.metrics.deadLettered.inc({ ...labels, reason: 'invalid-message' });
        safely(() => channel.ack(message));
        return;
      }
      const maxRetries = Number(message.properties.headers?.[H.maxRetries] ?? 0);
      const disposition = failureDisposition(failure, attempt, maxRetries);
      if (disposition.action === 'retry') {
        const queue = retryQueueFor(this.topology, disposition.retry);
        // Back to this lane once the retry queue's TTL expires (headers exchange `<ns>.lanes`).
        const options = republishOptions(message, { [H.attempt]: String(attempt + 1), [H.lane]: lane.queue });
        options.expiration = String(Math.min(queue.ttlMs, retryDelay(this.deps.retry, disposition.retry)));
        await this.deps.publisher.publish('', queue.name, message.content, options);
        this.deps.metrics.retried.inc(labels);
      } else {
        await this.deadLetter(message, disposition.reason, disposition.error);
        this.deps.metrics.deadLettered.inc({ ...labels, reason: disposition.reason });
      }
      safely(() => channel.ack(message));
    } catch {
      // Could not move it on (broker gone): give it back; if the channel is dead the broker requeues it anyway.
      safely(() => channel.nack(message, false, true));
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        for (const resolve of this.idle) resolve();
        this.idle.clear();
      }
      this.pump(channel);
    }
  }

  private async deadLetter(message: ConsumeMessage, reason: string, lastError: string): Promise<void> {
    const options = republishOptions(message, {
      [H.reason]: reason,
      [H.lastError]: lastError,
      [H.deadAt]: String(Date.now()),
      [H.group]: this.group,
    });
    await this.deps.publisher.publish('', this.topology.deadLetterQueue, message.content, options);
  }
}

/** ack/nack on a channel that closed meanwhile throws; the broker has requeued the message then. */
function safely(action: () => void): void {
  try {
    action();
  } catch {
    // see above
  }
}
