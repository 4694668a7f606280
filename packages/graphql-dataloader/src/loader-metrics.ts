import { counter, histogram, type Registry } from '@intelgraph/telemetry';

/** What a loader reports. Every method must be cheap and must not throw. */
export interface LoaderMetrics {
  /** One DataLoader batch: how many distinct keys, and how many shard queries it took. */
  batch(loader: string, keys: number, shardQueries: number): void;
  /** One read-through lookup: hits, misses, and whether the cache itself failed. */
  cache(loader: string, hits: number, misses: number, failed: boolean): void;
  /** Keys that resolved to an error (missing row with `onMissing: 'error'`, failed shard, …). */
  keyErrors(loader: string, count: number): void;
}

/** Totals of one loader, as kept by {@link LoaderStats}. */
export interface LoaderTotals {
  batches: number;
  keys: number;
  shardQueries: number;
  maxBatchSize: number;
  cacheHits: number;
  cacheMisses: number;
  cacheFailures: number;
  keyErrors: number;
}

function emptyTotals(): LoaderTotals {
  return {
    batches: 0,
    keys: 0,
    shardQueries: 0,
    maxBatchSize: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheFailures: 0,
    keyErrors: 0,
  };
}

export interface LoaderStatsOptions {
  /** Also export Prometheus series on this registry. */
  readonly registry?: Registry;
  /** Metric name prefix. Default `intelgraph_dataloader_`. */
  readonly prefix?: string;
}

/**
 * The default LoaderMetrics: per-loader totals in memory (read them with `snapshot()`, e.g. in a
 * benchmark or `/metrics`) and, when given a registry, Prometheus series:
 * `<prefix>batch_size` (histogram), `<prefix>shard_queries_total`, `<prefix>cache_hits_total`,
 * `<prefix>cache_misses_total`, `<prefix>cache_failures_total`, `<prefix>key_errors_total`,
 * each labelled by `loader`. Share one instance across requests (it lives as long as the service).
 */
export class LoaderStats implements LoaderMetrics {
  readonly #totals = new Map<string, LoaderTotals>();
  readonly #prom:
    | {
        batchSize: ReturnType<typeof histogram<'loader'>>;
        shardQueries: ReturnType<typeof counter<'loader'>>;
        hits: ReturnType<typeof counter<'loader'>>;
        misses: ReturnType<typeof counter<'loader'>>;
        failures: ReturnType<typeof counter<'loader'>>;
        errors: ReturnType<typeof counter<'loader'>>;
      }
    | undefined;

  constructor(options: LoaderStatsOptions = {}) {
    const registry = options.registry;
    const prefix = options.prefix ?? 'intelgraph_dataloader_';
    this.#prom = registry
      ? {
          batchSize: histogram(registry, {
            name: `${prefix}batch_size`,
            help: 'Distinct keys per DataLoader batch',
            labelNames: ['loader'],
            buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
          }),
          shardQueries: counter(registry, {
            name: `${prefix}shard_queries_total`,
            help: 'Batch function calls (one per shard per batch)',
            labelNames: ['loader'],
          }),
          hits: counter(registry, {
            name: `${prefix}cache_hits_total`,
            help: 'Keys served by the read-through cache',
            labelNames: ['loader'],
          }),
          misses: counter(registry, {
            name: `${prefix}cache_misses_total`,
            help: 'Keys not found in the read-through cache',
            labelNames: ['loader'],
          }),
          failures: counter(registry, {
            name: `${prefix}cache_failures_total`,
            help: 'Read-through cache calls that failed (the loader fell back to the database)',
            labelNames: ['loader'],
          }),
          errors: counter(registry, {
            name: `${prefix}key_errors_total`,
            help: 'Keys that resolved to an error',
            labelNames: ['loader'],
          }),
        }
      : undefined;
  }

  #of(loader: string): LoaderTotals {
    let totals = this.#totals.get(loader);
    if (!totals) {
      totals = emptyTotals();
      this.#totals.set(loader, totals);
    }
    return totals;
  }

  batch(loader: string, keys: number, shardQueries: number): void {
    const t = this.#of(loader);
    t.batches += 1;
    t.keys += keys;
    t.shardQueries += shardQueries;
    t.maxBatchSize = Math.max(t.maxBatchSize, keys);
    this.#prom?.batchSize.observe({ loader }, keys);
    if (shardQueries > 0) this.#prom?.shardQueries.inc({ loader }, shardQueries);
  }

  cache(loader: string, hits: number, misses: number, failed: boolean): void {
    const t = this.#of(loader);
    t.cacheHits += hits;
    t.cacheMisses += misses;
    if (failed) t.cacheFailures += 1;
    if (hits > 0) this.#prom?.hits.inc({ loader }, hits);
    if (misses > 0) this.#prom?.misses.inc({ loader }, misses);
    if (failed) this.#prom?.failures.inc({ loader });
  }

  keyErrors(loader: string, count: number): void {
    this.#of(loader).keyErrors += count;
    this.#prom?.errors.inc({ loader }, count);
  }

  /** A copy of the totals, per loader name. */
  snapshot(): Record<string, LoaderTotals> {
    return Object.fromEntries([...this.#totals].map(([name, t]) => [name, { ...t }]));
  }

  /** Forgets all totals (Prometheus series keep counting). */
  reset(): void {
    this.#totals.clear();
  }
}

/** Reports nothing. */
export const noLoaderMetrics: LoaderMetrics = {
  batch() {},
  cache() {},
  keyErrors() {},
};
