import type { CacheInvalidator } from '@intelgraph/advanced-caching';
import { IntelGraphError } from '@intelgraph/errors';
import type { Transport } from '@intelgraph/message-queue-enhanced';
import type { Logger } from '@intelgraph/telemetry';
import type { GatewayPlugin } from '../plugin.js';
import type { CachingMetrics } from './cache-metrics.js';
import { entityTag } from './response-tags.js';
import { bareTypeTags, setChangeTags } from './tenant-type-tags.js';

/** Sends tag purges to the CDN (the `CloudFrontInvalidator`). */
export interface CdnTagPurger {
  invalidateTags(tags: readonly string[]): Promise<unknown>;
}

/** A domain event as the outbox relay publishes it (`EventSourcingStore` outbox payload). */
export interface DomainEventPayload {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly data?: Record<string, unknown>;
  /** Who caused it: the subgraphs write `tenantId` (and `userId`, `requestId`). */
  readonly metadata?: Record<string, unknown>;
}

export interface CacheInvalidationEventsOptions {
  readonly transport: Transport;
  /** Topics to consume (the aggregate types: `entity`, `investigation`, `relationship`). */
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
  /** GraphQL type of an aggregate type (default: `entity` → `Entity`, PascalCase). */
  readonly typeNames?: Readonly<Record<string, string>>;
  readonly metrics?: CachingMetrics;
  readonly log: Logger;
}

function pascal(s: string): string {
  return s.replace(/(^|[-_.\s])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());
}

/**
 * The cache tags a domain event changes: `Type:<aggregateId>`; when the set of objects changed
 * (created, deleted, removed), the type for the event's tenant (`Type@<tenant>` and the
 * tenant-less `Type@*`; the bare type, every tenant's, when the event names no tenant), since
 * lists of that type may change; and any `entityId` / `fromId` / `toId` the event names as
 * `Entity:<id>`.
 */
export function tagsForEvent(
  event: DomainEventPayload,
  typeNames: Readonly<Record<string, string>> = {},
): string[] {
  const type = typeNames[event.aggregateType] ?? pascal(event.aggregateType);
  const tags = new Set<string>();
  const own = entityTag(type, event.aggregateId);
  if (own) tags.add(own);
  if (/(Created|Deleted|Removed)$/.test(event.eventType)) {
    const tenant = event.metadata?.tenantId;
    for (const tag of setChangeTags(type, typeof tenant === 'string' ? tenant : undefined)) tags.add(tag);
  }
  const entityType = typeNames.entity ?? 'Entity';
  for (const field of ['entityId', 'fromId', 'toId']) {
    const id = event.data?.[field];
    const tag = entityTag(entityType, id);
    if (tag) tags.add(tag);
  }
  return [...tags];
}

/**
 * Consumes the domain events and invalidates what they change: the entity-cache entries and
 * cached responses (by tag, on every instance through the shared cache), then the CDN's tags
 * through the CloudFront invalidator (not awaited: its batching and retries must not hold the
 * queue; a final failure is logged and counted). A fetch that read the data before the event and
 * completes after it stores nothing: the entity and response caches fence their writes with the
 * tags' versions from before the fetch.
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
            const event = { ...p, eventType: String(p.eventType ?? '') } as DomainEventPayload;
            const tags = tagsForEvent(event, options.typeNames);
            if (tags.length === 0) return;
            // Copies of one event delivered at once (prefetch) are handled once: the invalidator
            // remembers an id only after it finished.
            if (handling.has(message.id)) return;
            handling.add(message.id);
            let result: Awaited<ReturnType<CacheInvalidator['handleEvent']>>;
            try {
              result = await options.invalidator.handleEvent({
                type: `${event.aggregateType}.${event.eventType}`,
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
