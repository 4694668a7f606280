import { randomUUID } from 'node:crypto';
import type { DeliveredMessage, Subscription, Transport } from '@intelgraph/message-queue-enhanced';
import { counter, gauge, histogram, type Logger, type Registry } from '@intelgraph/telemetry';
import type { ShardedEventStore } from '../events/sharded-event-store.js';
import { tenantOfId } from '../graphql/tenant-ids.js';
import { LiveEventStream, type LiveEventStreamOptions } from './live-event-stream.js';
import { TenantFeed } from './tenant-feed.js';

export interface LiveEventHubOptions {
  /** The service (names the consumer group: `<service>.live.<instance>`). */
  readonly service: string;
  /** The aggregate topics whose events subscribers may follow (`investigation`, `entity`). */
  readonly topics: readonly string[];
  readonly events: ShardedEventStore;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Events a subscriber may have waiting before it is ended as a slow consumer. Default 256. */
  readonly bufferSize?: number;
  /** Events read from the store per round trip. Default 200. */
  readonly readBatch?: number;
  /** This instance's id (its own consumer group: every instance sees every event). Default a UUID. */
  readonly instanceId?: string;
}

export const LIVE_EVENT_HUB_DEFAULTS = { bufferSize: 256, readBatch: 200 } as const;

/**
 * What a subgraph's subscriptions read: the event store, woken by the transport.
 *
 * The transport (in-process, Kafka, RabbitMQ) tells this instance that a tenant has new events —
 * every instance has its own consumer group, so any instance can serve any subscriber — and the
 * tenant's feed then reads them **from the event store** in its global order. The transport is
 * only the wake-up: its at-least-once, per-key ordering never shows to a subscriber, who gets
 * each event once, in store order, with its position; a subscriber resuming from a position reads
 * the same store from there. Nothing polls the tables: with no message, nothing is read.
 *
 * One feed per tenant with subscribers on this instance reads each event once for all of them.
 */
export class LiveEventHub {
  readonly #options: LiveEventHubOptions;
  readonly #feeds = new Map<string, TenantFeed>();
  readonly #group: string;
  #subscriptions: Subscription[] = [];
  #closed = false;
  readonly #metrics;

  constructor(options: LiveEventHubOptions) {
    this.#options = options;
    this.#group = `${options.service}.live.${options.instanceId ?? randomUUID()}`;
    this.#metrics = {
      followers: gauge(options.registry, {
        name: 'intelgraph_subgraph_live_subscribers',
        help: 'Subscribers following the event store on this instance',
      }),
      delivered: counter(options.registry, {
        name: 'intelgraph_subgraph_live_events_delivered_total',
        help: 'Events handed to subscribers',
      }),
      slow: counter(options.registry, {
        name: 'intelgraph_subgraph_live_slow_consumers_total',
        help: 'Subscribers ended because their buffer was full',
      }),
      lag: histogram(options.registry, {
        name: 'intelgraph_subgraph_live_delivery_lag_seconds',
        help: "From an event's append (its stored timestamp) to its hand-over to a subscriber on this instance; live events only (replays of missed events are old by design)",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
    };
  }

  /** Joins this instance's consumer group on every topic. */
  async start(): Promise<void> {
    for (const topic of this.#options.topics) {
      this.#subscriptions.push(
        await this.#options.transport.subscribe(topic, (message) => this.#onMessage(message), {
          group: this.#group,
          // This instance's alone: a stopped or killed instance leaves no queues behind.
          ephemeral: true,
        }),
      );
    }
  }

  /**
   * Follows `tenantId`'s events: those after `after` (a position a previous payload carried; the
   * store's missed events first, in order), or only those to come when absent. `accept` keeps
   * the ones this subscription is about; every event moves the position on.
   */
  follow(tenantId: string, options: Omit<LiveEventStreamOptions, 'bufferSize'> = {}): LiveEventStream {
    let feed = this.#feeds.get(tenantId);
    if (!feed) {
      feed = new TenantFeed({
        store: this.#options.events.storeOf(tenantId),
        prefix: `${tenantId}:`,
        readBatch: this.#options.readBatch ?? LIVE_EVENT_HUB_DEFAULTS.readBatch,
        onError: (error) => this.#options.logger.warn({ err: error, tenantId }, 'live feed read failed'),
      });
      this.#feeds.set(tenantId, feed);
    }
    const owner = feed;
    this.#metrics.followers.inc();
    const stream = new LiveEventStream(owner, {
      ...options,
      bufferSize: this.#options.bufferSize ?? LIVE_EVENT_HUB_DEFAULTS.bufferSize,
      onDelivered: (event, live) => {
        this.#metrics.delivered.inc();
        if (live) this.#metrics.lag.observe(Math.max(0, Date.now() - event.timestamp) / 1000);
      },
      onSlow: () => this.#metrics.slow.inc(),
      onEnd: () => {
        this.#metrics.followers.dec();
        if (owner.idle && this.#feeds.get(tenantId) === owner) this.#feeds.delete(tenantId);
      },
    });
    return stream;
  }

  /** Tenants with a feed on this instance (tests, metrics). */
  get tenants(): readonly string[] {
    return [...this.#feeds.keys()];
  }

  #onMessage(message: DeliveredMessage): void {
    if (this.#closed) return;
    const payload = message.payload as { aggregateId?: unknown } | undefined;
    const aggregateId = typeof payload?.aggregateId === 'string' ? payload.aggregateId : message.key;
    if (typeof aggregateId !== 'string') return;
    let tenantId: string;
    try {
      tenantId = tenantOfId(aggregateId);
    } catch {
      return; // not a routable aggregate: no tenant's subscriber can be waiting for it
    }
    this.#feeds.get(tenantId)?.wake(typeof message.timestamp === 'number' ? message.timestamp : undefined);
  }

  /** Leaves the consumer group and ends every subscriber's stream. */
  async stop(): Promise<void> {
    this.#closed = true;
    const subscriptions = this.#subscriptions;
    this.#subscriptions = [];
    await Promise.all(subscriptions.map((s) => s.close().catch(() => {})));
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
  }
}
