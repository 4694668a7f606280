import { type Counter, counter, gauge, type Registry } from '@intelgraph/telemetry';

/** The caching metrics, on the gateway's registry. */
export class CachingMetrics {
  /** Lookups per cache (`response`, `entity`) and result (`hit`, `miss`). */
  readonly lookups: Counter<'cache' | 'result'>;
  /** Subgraph fetches not sent because every entity was cached. */
  readonly fetchesSaved: Counter<'subgraph'>;
  /** Entities served from the entity cache instead of a subgraph. */
  readonly entitiesServed: Counter<'subgraph'>;
  /** Invalidations by source (`event`, `admin`) and target (`cache`, `cdn`), counted per tag. */
  readonly invalidations: Counter<'source' | 'target'>;
  /** CDN invalidations that failed after their retries. */
  readonly cdnFailures: Counter;
  readonly #hits = new Map<string, number>();
  readonly #total = new Map<string, number>();

  constructor(registry: Registry) {
    this.lookups = counter(registry, {
      name: 'intelgraph_gateway_cache_lookups_total',
      help: 'Gateway cache lookups by cache (response, entity) and result (hit, miss).',
      labelNames: ['cache', 'result'],
    });
    this.fetchesSaved = counter(registry, {
      name: 'intelgraph_gateway_entity_fetches_saved_total',
      help: 'Subgraph _entities fetches not sent because every entity was in the entity cache.',
      labelNames: ['subgraph'],
    });
    this.entitiesServed = counter(registry, {
      name: 'intelgraph_gateway_entities_from_cache_total',
      help: 'Entities served from the entity cache instead of a subgraph.',
      labelNames: ['subgraph'],
    });
    this.invalidations = counter(registry, {
      name: 'intelgraph_gateway_cache_invalidations_total',
      help: 'Tags invalidated, by source (event, admin) and target (cache, cdn).',
      labelNames: ['source', 'target'],
    });
    this.cdnFailures = counter(registry, {
      name: 'intelgraph_gateway_cdn_invalidation_failures_total',
      help: 'CDN invalidations that failed after their retries.',
    });
    const hits = this.#hits;
    const total = this.#total;
    gauge(registry, {
      name: 'intelgraph_gateway_cache_hit_ratio',
      help: 'Hits / lookups since start, per cache (response, entity).',
      labelNames: ['cache'],
      collect() {
        for (const [cache, n] of total) this.set({ cache }, n === 0 ? 0 : (hits.get(cache) ?? 0) / n);
      },
    });
  }

  lookup(cache: 'response' | 'entity', hit: boolean, count = 1): void {
    if (count === 0) return;
    this.lookups.inc({ cache, result: hit ? 'hit' : 'miss' }, count);
    this.#total.set(cache, (this.#total.get(cache) ?? 0) + count);
    if (hit) this.#hits.set(cache, (this.#hits.get(cache) ?? 0) + count);
  }

  /** Hit ratio of one cache since start (tests, benchmark). */
  hitRatio(cache: 'response' | 'entity'): number {
    const n = this.#total.get(cache) ?? 0;
    return n === 0 ? 0 : (this.#hits.get(cache) ?? 0) / n;
  }
}
