import type { EventSourcingStore, StoredEvent } from '@intelgraph/message-queue-enhanced';

/** What a feed hands events to (a subscriber's stream). */
export interface FeedListener {
  push(event: StoredEvent): void;
  /** The feed is gone (the service stops): end the stream. */
  close(): void;
}

export interface TenantFeedOptions {
  readonly store: EventSourcingStore;
  /** Aggregate id prefix of the tenant (`<tenant>:`). */
  readonly prefix: string;
  readonly readBatch: number;
  readonly onError: (error: unknown) => void;
}

/** Wake-ups sent this long before the feed existed are for events before its head, ms. */
const STALE_WAKE_MS = 30_000;

/** How long a wake-up keeps looking for events not yet readable, ms. */
const WAKE_PATIENCE_MS = 5_000;

/**
 * One tenant's live events on one instance: reads them from the event store, after its head,
 * when woken, and hands each to every listener once, in store order.
 *
 * A wake-up arrives after the event's commit (the outbox relay publishes committed rows), yet
 * the store may not show it yet: reads stop below the oldest transaction still running on the
 * server, so that an event committed late by an older transaction is never skipped. A wake-up
 * that finds nothing therefore looks again, backing off from 10 ms, for a few seconds.
 */
export class TenantFeed {
  readonly #options: TenantFeedOptions;
  readonly #listeners = new Set<FeedListener>();
  #head: Promise<string> | undefined;
  #pumping = false;
  #again = false;
  #closed = false;
  readonly #createdAt = Date.now();

  constructor(options: TenantFeedOptions) {
    this.#options = options;
    // The head is the tail now, not at the first wake-up: events appended before that wake-up
    // are live events for the subscribers already here (one resuming from a position catches up
    // past the head by itself).
    void this.head().catch(options.onError);
  }

  get store(): EventSourcingStore {
    return this.#options.store;
  }

  get prefix(): string {
    return this.#options.prefix;
  }

  /** The position live delivery starts after (the store's tail when the feed was made). */
  head(): Promise<string> {
    if (!this.#head) {
      const head = this.#options.store.tailCursor({ aggregatePrefix: this.#options.prefix });
      this.#head = head;
      // A failed read is not kept: the next caller asks again.
      head.catch(() => {
        if (this.#head === head) this.#head = undefined;
      });
    }
    return this.#head;
  }

  get idle(): boolean {
    return this.#listeners.size === 0;
  }

  add(listener: FeedListener): void {
    this.#listeners.add(listener);
  }

  remove(listener: FeedListener): void {
    this.#listeners.delete(listener);
  }

  /**
   * New events may be readable. `at`: when the waking message was sent (epoch ms); a message
   * much older than the feed (a Kafka group reading a topic from its beginning) announces events
   * the feed's head is past already, and is ignored.
   */
  wake(at?: number): void {
    if (this.#closed) return;
    if (at !== undefined && at < this.#createdAt - STALE_WAKE_MS) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump().finally(() => {
      this.#pumping = false;
    });
  }

  close(): void {
    this.#closed = true;
    for (const listener of [...this.#listeners]) listener.close();
    this.#listeners.clear();
  }

  async #pump(): Promise<void> {
    let giveUpAt = 0;
    let delay = 10;
    let found = false;
    let woken = true;
    while (!this.#closed) {
      if (woken) {
        // A new wake-up announces another event: look for it with fresh patience.
        giveUpAt = Date.now() + WAKE_PATIENCE_MS;
        delay = 10;
        found = false;
      }
      woken = false;
      this.#again = false;
      let events: StoredEvent[];
      try {
        const after = await this.head();
        ({ events } = await this.#options.store.readAll({
          after,
          limit: this.#options.readBatch,
          aggregatePrefix: this.#options.prefix,
        }));
      } catch (error) {
        this.#options.onError(error);
        events = [];
      }
      if (events.length > 0) {
        found = true;
        this.#head = Promise.resolve(events.at(-1)!.cursor);
        for (const event of events) for (const listener of [...this.#listeners]) listener.push(event);
        woken = this.#again;
        if (events.length === this.#options.readBatch || woken) continue;
        return;
      }
      woken = this.#again;
      if (woken) continue;
      // Nothing readable after a wake-up: the event is behind an older running transaction.
      if (found || Date.now() >= giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 500);
    }
  }
}
