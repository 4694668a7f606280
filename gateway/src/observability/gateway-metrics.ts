import {
  type Counter,
  counter,
  type Gauge,
  gauge,
  type Histogram,
  histogram,
  type Registry,
} from '@intelgraph/telemetry';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric the gateway exports, registered on one registry. */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'operation' | 'status' | 'code'>;
  readonly requestDuration: Histogram<'operation'>;
  readonly rejections: Counter<'code'>;
  readonly operationCost: Histogram<'kind'>;
  readonly subgraphFetches: Counter<'subgraph' | 'outcome'>;
  readonly subgraphDuration: Histogram<'subgraph'>;
  readonly subgraphRetries: Counter<'subgraph'>;
  readonly subgraphDeduplicated: Counter<'subgraph'>;
  readonly breakerOpen: Gauge<'subgraph'>;
  readonly supergraphUpdates: Counter<'result'>;
  readonly persistedQueries: Counter<'event'>;
  readonly forgedIdentityHeaders: Counter;
  readonly #operations = new Set<string>();

  constructor(registry: Registry) {
    this.registry = registry;
    this.requests = counter(registry, {
      name: 'gateway_requests_total',
      help: 'GraphQL requests by operation, HTTP status and first error code.',
      labelNames: ['operation', 'status', 'code'],
    });
    this.requestDuration = histogram(registry, {
      name: 'gateway_request_duration_seconds',
      help: 'GraphQL request latency by operation.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
    });
    this.rejections = counter(registry, {
      name: 'gateway_limit_rejections_total',
      help: 'Requests refused before planning, by code (limits, auth, rate limit, persisted queries).',
      labelNames: ['code'],
    });
    this.operationCost = histogram(registry, {
      name: 'gateway_operation_cost',
      help: 'Operation cost by kind: estimated (before planning) and actual (of the response, with COST_ACTUAL).',
      labelNames: ['kind'],
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000, 100_000],
    });
    this.subgraphFetches = counter(registry, {
      name: 'gateway_subgraph_fetches_total',
      help: 'Subgraph fetches by outcome (ok, error code).',
      labelNames: ['subgraph', 'outcome'],
    });
    this.subgraphDuration = histogram(registry, {
      name: 'gateway_subgraph_fetch_duration_seconds',
      help: 'Subgraph fetch latency (after dedup, including retries).',
      labelNames: ['subgraph'],
      buckets: LATENCY_BUCKETS,
    });
    this.subgraphRetries = counter(registry, {
      name: 'gateway_subgraph_retries_total',
      help: 'Retries of idempotent subgraph fetches.',
      labelNames: ['subgraph'],
    });
    this.subgraphDeduplicated = counter(registry, {
      name: 'gateway_subgraph_deduplicated_total',
      help: 'Subgraph fetches served by an identical in-flight fetch.',
      labelNames: ['subgraph'],
    });
    this.breakerOpen = gauge(registry, {
      name: 'gateway_circuit_open',
      help: '1 while the subgraph circuit breaker is open or half-open.',
      labelNames: ['subgraph'],
    });
    this.supergraphUpdates = counter(registry, {
      name: 'gateway_supergraph_updates_total',
      help: 'Supergraph loads by result (loaded, failed).',
      labelNames: ['result'],
    });
    this.persistedQueries = counter(registry, {
      name: 'gateway_persisted_queries_total',
      help: 'Persisted-query lookups (hit, miss, registered, refused).',
      labelNames: ['event'],
    });
    this.forgedIdentityHeaders = counter(registry, {
      name: 'gateway_forged_identity_headers_total',
      help: 'Client-sent identity headers stripped.',
    });
  }

  /** Client-chosen operation names are bounded so a client cannot explode the series count. */
  operationLabel(name: string | undefined): string {
    if (name === undefined) return 'anonymous';
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= 200 || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    this.#operations.add(name);
    return name;
  }
}
