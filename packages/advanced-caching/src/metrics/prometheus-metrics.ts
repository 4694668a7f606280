import { counter, gauge, type Registry } from '@intelgraph/telemetry';
import type { CacheStatsSnapshot } from './cache-stats.js';

/** Something that can report its stats at scrape time. */
export interface StatsSource {
  readonly name: string;
  stats(): CacheStatsSnapshot;
}

// Several caches (APQ, responses, entities) may share one registry: each metric is registered
// once per registry and its collect() walks every cache attached to that registry.
const sources = new WeakMap<Registry, Set<StatsSource>>();

/**
 * Exposes a cache's counters on a prom-client registry as `intelgraph_cache_*` series labelled
 * by `cache` (and `tier`). Values are read from the cache when Prometheus scrapes. Returns a
 * function that detaches the cache.
 */
export function registerCacheMetrics(registry: Registry, source: StatsSource): () => void {
  let set = sources.get(registry);
  if (!set) {
    set = new Set();
    sources.set(registry, set);
    defineMetrics(registry, set);
  }
  set.add(source);
  return () => set.delete(source);
}

function defineMetrics(registry: Registry, set: Set<StatsSource>): void {
  const each = (fn: (s: CacheStatsSnapshot, cache: string) => void) => {
    for (const source of set) fn(source.stats(), source.name);
  };
  counter(registry, {
    name: 'intelgraph_cache_hits_total',
    help: 'Reads answered by a cache tier.',
    labelNames: ['cache', 'tier'],
    collect() {
      this.reset();
      each((s, cache) => {
        this.inc({ cache, tier: 'l1' }, s.hits.l1);
        this.inc({ cache, tier: 'l2' }, s.hits.l2);
      });
    },
  });
  counter(registry, {
    name: 'intelgraph_cache_misses_total',
    help: 'Reads a cache tier could not answer.',
    labelNames: ['cache', 'tier'],
    collect() {
      this.reset();
      each((s, cache) => {
        this.inc({ cache, tier: 'l1' }, s.misses.l1);
        this.inc({ cache, tier: 'l2' }, s.misses.l2);
      });
    },
  });
  const simple: [string, string, (s: CacheStatsSnapshot) => number][] = [
    ['intelgraph_cache_loader_calls_total', 'Loader invocations.', (s) => s.loaderCalls],
    [
      'intelgraph_cache_loader_errors_total',
      'Loader failures (including ones hidden by grace).',
      (s) => s.loaderErrors,
    ],
    ['intelgraph_cache_stale_served_total', 'Stale values served within grace.', (s) => s.staleServed],
    ['intelgraph_cache_evictions_total', 'L1 entries evicted to make room.', (s) => s.evictions],
    ['intelgraph_cache_l2_errors_total', 'Redis calls that failed or timed out.', (s) => s.l2.errors],
    ['intelgraph_cache_l2_bytes_written_total', 'Encoded bytes written to Redis.', (s) => s.l2.bytesWritten],
  ];
  for (const [name, help, read] of simple) {
    counter(registry, {
      name,
      help,
      labelNames: ['cache'],
      collect() {
        this.reset();
        each((s, cache) => this.inc({ cache }, read(s)));
      },
    });
  }
  counter(registry, {
    name: 'intelgraph_cache_stampede_waits_total',
    help: 'Loads that waited for another caller instead of calling the loader.',
    labelNames: ['cache', 'scope'],
    collect() {
      this.reset();
      each((s, cache) => {
        this.inc({ cache, scope: 'process' }, s.stampedeWaits.local);
        this.inc({ cache, scope: 'distributed' }, s.stampedeWaits.distributed);
      });
    },
  });
  gauge(registry, {
    name: 'intelgraph_cache_l1_bytes',
    help: 'Encoded bytes held in L1 (when bounded by bytes).',
    labelNames: ['cache'],
    collect() {
      this.reset();
      each((s, cache) => this.set({ cache }, s.l1.bytes));
    },
  });
  gauge(registry, {
    name: 'intelgraph_cache_l1_entries',
    help: 'Entries held in L1.',
    labelNames: ['cache'],
    collect() {
      this.reset();
      each((s, cache) => this.set({ cache }, s.l1.entries));
    },
  });
  gauge(registry, {
    name: 'intelgraph_cache_l2_available',
    help: '1 while the Redis circuit breaker lets calls through.',
    labelNames: ['cache'],
    collect() {
      this.reset();
      each((s, cache) => this.set({ cache }, s.l2.breaker === 'open' ? 0 : 1));
    },
  });
}
