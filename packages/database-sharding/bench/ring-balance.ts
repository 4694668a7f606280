import { ConsistentHashRing } from '../src/index.js';
import type { ScenarioResult } from './measure.js';

/**
 * Load balance of the ring at 150 virtual nodes: each shard's share of the 2^32 keyspace
 * (σ relative to the mean, and max ÷ mean), and the keys that move when one shard is added,
 * measured on 200k sample keys, against the ideal 1/(N+1).
 */
export function ringBalance(): ScenarioResult {
  const table: ScenarioResult['table'] = [];
  const metrics: Record<string, number> = {};
  const ratios: Record<string, number> = {};
  const keys = Array.from({ length: 200_000 }, (_, i) => `tenant-${i}`);
  for (const n of [4, 10, 32, 100]) {
    const ids = Array.from({ length: n }, (_, i) => `shard-${i}`);
    const ring = new ConsistentHashRing(ids, 150);
    const shares = [...ring.keyspaceShares().values()];
    const mean = 1 / n;
    const sigma = Math.sqrt(shares.reduce((a, s) => a + (s - mean) ** 2, 0) / n) / mean;
    const maxOverMean = Math.max(...shares) / mean;
    const bigger = ring.withShard(`shard-${n}`);
    let moved = 0;
    for (const k of keys) {
      const from = ring.ownerIndex(k);
      const to = bigger.ownerIndex(k);
      if (from !== to) {
        if (bigger.shardIds[to] !== `shard-${n}`) throw new Error('a key moved between old shards');
        moved++;
      }
    }
    const movedRatio = moved / keys.length / (1 / (n + 1));
    table.push([
      `${n} shards`,
      `σ ${(sigma * 100).toFixed(1)}%  max÷mean ${maxOverMean.toFixed(3)}`,
      `moved on add ÷ ideal 1/${n + 1}: ${movedRatio.toFixed(3)} (target ≤ 1.1)`,
    ]);
    metrics[`shareSigmaPct_${n}`] = Number((sigma * 100).toFixed(2));
    metrics[`shareMaxOverMean_${n}`] = Number(maxOverMean.toFixed(4));
    ratios[`keysMovedOverIdeal_${n}`] = Number(movedRatio.toFixed(4));
  }
  return { table, metrics, ratios };
}
