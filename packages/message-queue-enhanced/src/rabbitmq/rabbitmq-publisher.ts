import { IntelGraphError } from '@intelgraph/errors';
import type { ConfirmChannel, Options, RecoveringChannelModel } from 'amqplib';

/**
 * Publishes with publisher confirms over one confirm channel, and survives a dropped connection
 * or a broker restart: a publish whose channel dies before its confirm is sent again on the next
 * channel until it is confirmed or `timeoutMs` passes. "Resolved" therefore always means "the
 * broker confirmed it"; a resend after a lost confirm can store a duplicate (at least once).
 */
export class RabbitMQPublisher {
  private channel: Promise<ConfirmChannel> | undefined;
  private open: ConfirmChannel | undefined;
  private closed = false;
  /** Publishes awaiting their confirm; the sweeper fails those past their deadline. */
  private readonly waiting = new Set<Waiting>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: RecoveringChannelModel,
    private readonly timeoutMs: number,
  ) {}

  publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    const channel = this.open;
    if (!channel || this.closed) return this.publishWithRetry(exchange, routingKey, body, options, deadline);
    // Hot path: the channel is up, publish straight away: one promise and one callback, no timer
    // of its own (the sweeper fails it with PUBLISH_NOT_CONFIRMED at the deadline). A nack or a
    // channel that closed under it takes the slow path, which sends it again within that deadline.
    return new Promise<void>((resolve, reject) => {
      const waiting = new Waiting(deadline, resolve, reject, exchange || routingKey, options.messageId);
      this.track(waiting);
      try {
        channel.publish(exchange, routingKey, body, options, (err) => {
          if (!this.waiting.delete(waiting)) return; // the sweeper failed it already
          if (err == null) resolve();
          else this.retry(waiting, exchange, routingKey, body, options);
        });
      } catch {
        // amqplib throws when the channel closed under us: resend on the next one.
        this.waiting.delete(waiting);
        this.retry(waiting, exchange, routingKey, body, options);
      }
    });
  }

  private retry(
    waiting: Waiting,
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: Options.Publish,
  ): void {
    this.publishWithRetry(exchange, routingKey, body, options, waiting.deadline).then(
      waiting.resolve,
      waiting.reject,
    );
  }

  private track(waiting: Waiting): void {
    this.waiting.add(waiting);
    if (this.sweeper === undefined) this.startSweeper();
  }

  private async publishWithRetry(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: Options.Publish,
    deadline: number,
  ): Promise<void> {
    let sent = false;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new IntelGraphError('TRANSPORT_CLOSED', 'the RabbitMQ transport is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let channel: ConfirmChannel;
      if (this.open) {
        channel = this.open; // fast path: no timer when the channel is up
      } else {
        try {
          channel = await withTimeout(this.currentChannel(), remaining);
        } catch (error) {
          lastError = error;
          continue;
        }
      }
      try {
        sent = true;
        await new Promise<void>((resolve, reject) => {
          // One sweeper timer for all publishes in flight instead of one timer each.
          const waiting = new Waiting(deadline, resolve, reject, exchange || routingKey, options.messageId);
          this.track(waiting);
          try {
            channel.publish(exchange, routingKey, body, options, (err) => {
              if (!this.waiting.delete(waiting)) return;
              if (err == null) resolve();
              else reject(toError(err));
            });
          } catch (error) {
            this.waiting.delete(waiting);
            reject(toError(error));
          }
        });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
    if (sent) {
      throw new IntelGraphError(
        'PUBLISH_NOT_CONFIRMED',
        `RabbitMQ did not confirm the publish to '${exchange || routingKey}' within ${this.timeoutMs} ms`,
        { input: { exchange, routingKey, messageId: options.messageId }, cause: lastError },
      );
    }
    throw new IntelGraphError('TRANSPORT_UNAVAILABLE', `RabbitMQ unreachable for ${this.timeoutMs} ms`, {
      input: { exchange, routingKey, messageId: options.messageId },
      cause: lastError,
    });
  }

  private startSweeper(): void {
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const w of this.waiting) {
        if (w.deadline <= now) {
          this.waiting.delete(w);
          w.reject(
            new IntelGraphError(
              'PUBLISH_NOT_CONFIRMED',
              `RabbitMQ did not confirm the publish to '${w.target}' within ${this.timeoutMs} ms`,
              { input: { target: w.target, messageId: w.messageId } },
            ),
          );
        }
      }
      if (this.waiting.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, 250);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    const channel = this.channel;
    this.channel = undefined;
    this.open = undefined;
    if (channel) await channel.then((c) => c.close()).catch(() => {});
  }

  private currentChannel(): Promise<ConfirmChannel> {
    if (!this.channel) {
      const created = this.connection.createConfirmChannel().then((channel) => {
        channel.on('error', () => {});
        channel.on('close', () => {
          if (this.open === channel) this.open = undefined;
          if (this.channel === created) this.channel = undefined;
        });
        if (this.channel === created) this.open = channel;
        return channel;
      });
      created.catch(() => {
        if (this.channel === created) this.channel = undefined;
      });
      this.channel = created;
    }
    return this.channel;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return Promise.reject(new Error('timed out'));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A publish awaiting its confirm. A class, not a literal with closures: it is the hot path. */
class Waiting {
  constructor(
    readonly deadline: number,
    readonly resolve: () => void,
    readonly reject: (error: Error) => void,
    /** Exchange (or queue) and message id, for the error when no confirm comes. */
    readonly target: string,
    readonly messageId: string | undefined,
  ) {}
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err ?? 'nacked by the broker'));
}
