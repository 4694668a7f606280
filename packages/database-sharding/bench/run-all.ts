/**
 * `pnpm --filter @intelgraph/database-sharding bench`: every scenario, one table, and as the last
 * line `BENCH {json}` (format: docs/benchmarks.md). Needs the loopback PostgreSQL.
 */
import os from 'node:os';
import { broadcastCount } from './broadcast-count.js';
import type { ScenarioResult } from './measure.js';
import { ringBalance } from './ring-balance.js';
import { ringLookup } from './ring-lookup.js';
import { routedQuery } from './routed-query.js';
import { tenantMove } from './tenant-move.js';

const scenarios: Array<[string, () => ScenarioResult | Promise<ScenarioResult>]> = [
  ['ring lookup', ringLookup],
  ['ring balance', ringBalance],
  ['routed query', routedQuery],
  ['routed query, stored map', () => routedQuery({ storedMap: true })],
  ['broadcast COUNT', broadcastCount],
  ['tenant move', tenantMove],
];
// BENCH_ONLY="routed query, stored map;tenant move" runs those scenarios only.
const only = process.env.BENCH_ONLY?.split(';').map((s) => s.trim());

const metrics: Record<string, number> = {};
const ratios: Record<string, number> = {};
const rows: Array<[string, string, string]> = [];
for (const [name, run] of scenarios) {
  if (only && !only.includes(name)) continue;
  const result = await run();
  rows.push([`— ${name}`, '', '']);
  rows.push(...result.table);
  Object.assign(metrics, result.metrics);
  for (const [k, v] of Object.entries(result.ratios)) ratios[k] = Number(v.toFixed(4));
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(
  `database-sharding benchmark — node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]!.toFixed(2)}`,
);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
console.log(
  `BENCH ${JSON.stringify({
    name: 'database-sharding',
    metrics,
    ratios,
    baseline:
      'ring: hash % N; routed query (also with the stored map followed): raw pg.Pool on the same database; broadcast: slowest single shard COUNT; balance: ideal 1/(N+1); tenant move: the 500 ms write-pause target',
  })}`,
);
