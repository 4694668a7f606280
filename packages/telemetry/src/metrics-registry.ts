import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

export interface MetricsRegistryOptions {
  /** Labels on every series (e.g. `{ service: 'gateway' }`). */
  readonly defaultLabels?: Record<string, string>;
  /** Also collect Node process metrics (CPU, memory, event loop lag). Default true. */
  readonly collectDefaults?: boolean;
}

/** A fresh registry per service instance: never prom-client's global one, so tests stay isolated. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/*
 * Get-or-create helpers: several components (two caches, many pools) may share one registry and
 * ask for the same metric; prom-client throws on a second registration, so reuse the first.
 */
export function counter<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Counter<L>;
  return new Counter({ ...config, registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ ...config, registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  config: HistogramConfiguration<L>,
): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ ...config, registers: [registry] });
}

export type { Counter, Gauge, Histogram, Registry };
