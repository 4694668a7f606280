import { bareTypeTags, type CacheInvalidator, tagsOfEventMetadata } from '@intelgraph/advanced-caching';
import { IntelGraphError } from '@intelgraph/errors';
import type { Transport } from '@intelgraph/message-queue-enhanced';
import type { Logger } from '@intelgraph/telemetry';
import type { GatewayPlugin } from '../plugin.js';
import type { CachingMetrics } from './cache-metrics.js';

/** Sends tag purges to the CDN (the `CloudFrontInvalidator`). */
export interface CdnTagPurger {
  invalidateTags(tags: readonly string[]): Promise<unknown>;
}

/**
 * A domain event as the outbox relay publishes it (`EventSourcingStore` outbox payload). What it
 * invalidates is in its metadata (`invalidates`), declared by the write that caused it.
 */
export interface DomainEventPayload {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly data?: Record<string, unknown>;
  /** Who caused it (`tenantId`, `userId`, `requestId`) and the tags it invalidates (`invalidates`). */
  readonly metadata?: Record<string, unknown>;
}

export interface CacheInvalidationEventsOptions {
  readonly transport: Transport;
  /** Topics to consume (default config: the invalidation topic every invalidating event is published on). */
  readonly topics: readonly string[];
  /**
   * Consumer group. One group for every gateway instance is right: the caches are shared
   * through Redis and their L1 copies are dropped on every instance by the cache's bus, so each
   * event needs handling once (default `gateway-cache`).
   */
  readonly group?: string;
  /** Idempotent by event id, so a redelivered event does nothing. */
  readonly invalidator: CacheInvalidator;
  readonly cdn?: CdnTagPurger;
  readonly metrics?: CachingMetrics;
  readonly log: Logger;
}

/**
 * Consumes the domain events and invalidates what they declare (`metadata.invalidates`, written
 * by the subgraphs' event store from the write's own declaration): the entity-cache entries and
 * cached responses (by tag, on every instance through the shared cache), then the CDN's tags
 * through the CloudFront invalidator (not awaited: its batching and retries must not hold the
 * queue; a final failure is logged and counted). It knows no subgraph's event types or fields: a
 * new aggregate's events invalidate with no change here. A fetch that read the data before the
 * event and completes after it stores nothing: the entity and response caches fence their writes
 * with the tags' versions from before the fetch.
 */
export function useCacheInvalidationEvents(options: CacheInvalidationEventsOptions): GatewayPlugin {
  const group = options.group ?? 'gateway-cache';
  const handling = new Set<string>();
  let stopped = false;
  return {
    name: 'cache-invalidation-events',
    async start() {
      for (const topic of options.topics) {
        await options.transport.subscribe(
          topic,
          async (message) => {
            // The transport may outlive this plugin (an injected one has no unsubscribe): give the
            // message back so that another instance of the group handles it.
            if (stopped)
              throw new IntelGraphError('TRANSPORT_CLOSED', 'The cache invalidation consumer is stopped');
            const p = message.payload as Partial<DomainEventPayload> | null;
            if (!p || typeof p.aggregateId !== 'string' || typeof p.aggregateType !== 'string')
              throw new IntelGraphError(
                'MESSAGE_INVALID',
                'Not a domain event: aggregateId/aggregateType missing',
                {
                  input: message.id,
                },
              );
            const tags = tagsOfEventMetadata(p.metadata);
            if (tags.length === 0) return;
            // Copies of one event delivered at once (prefetch) are handled once: the invalidator
            // remembers an id only after it finished.
            if (handling.has(message.id)) return;
            handling.add(message.id);
            let result: Awaited<ReturnType<CacheInvalidator['handleEvent']>>;
            try {
              result = await options.invalidator.handleEvent({
                type: `${p.aggregateType}.${String(p.eventType ?? '')}`,
                id: message.id,
                tags,
              });
            } finally {
              handling.delete(message.id);
            }
            if (result.duplicate) return;
            options.metrics?.invalidations.inc({ source: 'event', target: 'cache' }, tags.length);
            options.log.debug({ tags, eventId: message.id }, 'cache invalidated by event');
            if (options.cdn) {
              // The CDN's objects carry the bare type tags (see useCdnHeaders).
              const cdnTags = bareTypeTags(tags);
              options.metrics?.invalidations.inc({ source: 'event', target: 'cdn' }, cdnTags.length);
              options.cdn.invalidateTags(cdnTags).catch((err: unknown) => {
                options.metrics?.cdnFailures.inc();
                options.log.error({ err, tags: cdnTags }, 'CDN invalidation failed');
              });
            }
          },
          { group },
        );
      }
    },
    stop() {
      stopped = true;
    },
  };
}
