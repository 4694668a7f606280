import {
  type Counter,
  counter,
  type Gauge,
  gauge,
  type Histogram,
  histogram,
  type Registry,
} from '@intelgraph/telemetry';
import type { ShardNode } from '../replicas/shard-node.js';

type NodeLabels = 'shard' | 'node' | 'role';

/**
 * Per shard and per node (primary / replica-n): queries, errors, latency, pool usage, replica lag,
 * failovers. Pool gauges are read from pg-pool's counters when Prometheus scrapes, so there is no
 * timer to keep in step.
 */
export class ShardMetrics {
  readonly queries: Counter<NodeLabels>;
  readonly errors: Counter<NodeLabels | 'code'>;
  readonly latency: Histogram<NodeLabels>;
  readonly failovers: Counter<'shard' | 'from' | 'to' | 'reason'>;
  /** Pool, lag and up gauges, read at scrape time. */
  readonly gauges: ReadonlyArray<Gauge<string>>;
  readonly #nodes = new Set<ShardNode>();

  constructor(registry: Registry, prefix: string) {
    this.queries = counter(registry, {
      name: `${prefix}queries_total`,
      help: 'Statements run, per shard and node.',
      labelNames: ['shard', 'node', 'role'],
    });
    this.errors = counter(registry, {
      name: `${prefix}query_errors_total`,
      help: 'Statements that failed, per shard, node and error code.',
      labelNames: ['shard', 'node', 'role', 'code'],
    });
    this.latency = histogram(registry, {
      name: `${prefix}query_duration_seconds`,
      help: 'Statement latency, per shard and node.',
      labelNames: ['shard', 'node', 'role'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.failovers = counter(registry, {
      name: `${prefix}failovers_total`,
      help: 'Reads moved off a node (replica down, lagging or failing) to another node.',
      labelNames: ['shard', 'from', 'to', 'reason'],
    });
    const nodes = this.#nodes;
    const pool = gauge(registry, {
      name: `${prefix}pool_clients`,
      help: 'pg pool clients per node: in use, idle, and callers waiting for one.',
      labelNames: ['shard', 'node', 'role', 'state'],
      collect() {
        for (const n of nodes) {
          const labels = { shard: n.shardId, node: n.id, role: n.role };
          this.set({ ...labels, state: 'in_use' }, n.pool.totalCount - n.pool.idleCount);
          this.set({ ...labels, state: 'idle' }, n.pool.idleCount);
          this.set({ ...labels, state: 'waiting' }, n.pool.waitingCount);
        }
      },
    });
    const lag = gauge(registry, {
      name: `${prefix}replica_lag_seconds`,
      help: 'How long each replica has been missing WAL its primary has (0 = caught up).',
      labelNames: ['shard', 'node', 'role'],
      collect() {
        for (const n of nodes) {
          if (n.role === 'replica' && n.health.lagMs !== undefined)
            this.set({ shard: n.shardId, node: n.id, role: n.role }, n.health.lagMs / 1000);
        }
      },
    });
    const up = gauge(registry, {
      name: `${prefix}node_up`,
      help: '1 when the last health probe of the node succeeded.',
      labelNames: ['shard', 'node', 'role'],
      collect() {
        for (const n of nodes)
          this.set({ shard: n.shardId, node: n.id, role: n.role }, n.health.status === 'down' ? 0 : 1);
      },
    });
    this.gauges = [pool, lag, up] as ReadonlyArray<Gauge<string>>;
  }

  track(node: ShardNode): void {
    this.#nodes.add(node);
  }

  untrack(node: ShardNode): void {
    this.#nodes.delete(node);
  }
}
