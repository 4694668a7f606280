import { IntelGraphError } from '@intelgraph/errors';
import { compareCursors, type StoredEvent } from '@intelgraph/message-queue-enhanced';
import type { FeedListener, TenantFeed } from './tenant-feed.js';

export interface LiveEventStreamOptions {
  /** Resume after this position (a previous payload's); absent: only events to come. */
  readonly after?: string | undefined;
  /** The events this subscription is about (every event still moves the position on). */
  readonly accept?: (event: StoredEvent) => boolean;
  /** Events that may wait for the consumer before it is ended as slow. */
  readonly bufferSize: number;
  /** An event handed to the consumer: `live` when it arrived while following, not a replay of missed ones. */
  readonly onDelivered?: (event: StoredEvent, live: boolean) => void;
  readonly onSlow?: () => void;
  readonly onEnd?: () => void;
}

/**
 * One subscriber's events: first those it missed (read from the store after its position, one
 * batch per pull, so a long backlog costs no memory), then the live ones its tenant's feed
 * pushes. Both go through one rule, "only past the last position handed out", which makes the
 * hand-over from catch-up to live free of gaps and duplicates whatever the timing.
 *
 * Bounded: when more than `bufferSize` live events wait for a consumer that does not pull, the
 * stream ends with `SUBSCRIPTION_SLOW_CONSUMER` (it never grows without bound); the client
 * reconnects with its last position and catches up from the store.
 */
export class LiveEventStream implements AsyncIterableIterator<StoredEvent>, FeedListener {
  readonly #feed: TenantFeed;
  readonly #options: LiveEventStreamOptions;
  /** Caught-up events, already past `#last` and accepted, waiting to be handed out. */
  readonly #backlog: StoredEvent[] = [];
  /** Live events pushed by the feed, not yet checked against `#last`. */
  readonly #live: StoredEvent[] = [];
  /** The last position handed out (or skipped); undefined until the start position is known. */
  #last: string | undefined;
  readonly #ready: Promise<void>;
  #catchingUp: boolean;
  #waiting: { resolve: (r: IteratorResult<StoredEvent>) => void; reject: (e: unknown) => void } | undefined;
  #failure: unknown;
  #done = false;

  constructor(feed: TenantFeed, options: LiveEventStreamOptions) {
    this.#feed = feed;
    this.#options = options;
    this.#catchingUp = options.after !== undefined;
    feed.add(this);
    this.#ready =
      options.after !== undefined
        ? Promise.resolve().then(() => {
            this.#last = options.after;
          })
        : feed.head().then((head) => {
            this.#last = head;
          });
    // A failed start surfaces on the next pull.
    this.#ready.catch((error: unknown) => this.#fail(error));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Called by the feed, in store order. */
  push(event: StoredEvent): void {
    if (this.#done) return;
    this.#live.push(event);
    if (this.#waiting && !this.#catchingUp && this.#last !== undefined) {
      const next = this.#takeLive();
      if (next) {
        const { resolve } = this.#waiting;
        this.#waiting = undefined;
        this.#options.onDelivered?.(next, true);
        resolve({ value: next, done: false });
      }
      return;
    }
    if (this.#live.length > this.#options.bufferSize) {
      this.#options.onSlow?.();
      this.#fail(
        new IntelGraphError(
          'SUBSCRIPTION_SLOW_CONSUMER',
          `the subscriber fell ${this.#options.bufferSize} events behind; reconnect with the last position to catch up`,
          { details: { bufferSize: this.#options.bufferSize } },
        ),
      );
    }
  }

  /** The next live event past the last position and accepted, moving the position on. */
  #takeLive(): StoredEvent | undefined {
    while (this.#live.length > 0) {
      const event = this.#live.shift()!;
      if (compareCursors(event.cursor, this.#last!) <= 0) continue;
      this.#last = event.cursor;
      if (this.#options.accept && !this.#options.accept(event)) continue;
      return event;
    }
    return undefined;
  }

  async #catchUp(): Promise<void> {
    while (this.#catchingUp && this.#backlog.length === 0 && !this.#done) {
      const { events } = await this.#feed.store.readAll({
        after: this.#last!,
        limit: Math.max(1, this.#options.bufferSize),
        aggregatePrefix: this.#feed.prefix,
      });
      if (events.length === 0) {
        this.#catchingUp = false;
        return;
      }
      this.#last = events.at(-1)!.cursor;
      for (const event of events)
        if (!this.#options.accept || this.#options.accept(event)) this.#backlog.push(event);
    }
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.#end();
    if (waiting) waiting.reject(error);
    else this.#failure = error;
  }

  async next(): Promise<IteratorResult<StoredEvent>> {
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      throw failure;
    }
    if (this.#done) return { value: undefined, done: true };
    await this.#ready;
    await this.#catchUp();
    const replayed = this.#backlog.shift();
    const next = replayed ?? this.#takeLive();
    if (next) {
      this.#options.onDelivered?.(next, replayed === undefined);
      return { value: next, done: false };
    }
    if (this.#done) return { value: undefined, done: true };
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Ends the stream (the service stops). */
  close(): void {
    this.#end();
  }

  async return(): Promise<IteratorResult<StoredEvent>> {
    this.#end();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<StoredEvent>> {
    this.#end();
    throw error;
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#feed.remove(this);
    this.#live.length = 0;
    this.#backlog.length = 0;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.#options.onEnd?.();
    waiting?.resolve({ value: undefined, done: true });
  }
}
