import { IntelGraphError } from '@intelgraph/errors';
import type { KeyRange } from '../config/shard-manager-options.js';
import type { ShardingStrategy, ShardKey } from './sharding-strategy.js';

type Bound = string | number;

interface Entry {
  readonly shardId: string;
  readonly from: Bound | undefined;
  readonly to: Bound | undefined;
}

function compare(a: Bound, b: Bound): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Ordered, non-overlapping `[from, to)` ranges (time series: one shard per period). Numbers
 * compare numerically, strings (ISO timestamps) by code unit; a `Date` key is compared as its
 * ISO string, or as epoch milliseconds when the bounds are numbers. Lookup is a binary search.
 * A key outside every range is `SHARD_KEY_OUT_OF_RANGE`, never a silent default.
 */
export class RangeStrategy implements ShardingStrategy {
  readonly name = 'range';
  readonly #entries: readonly Entry[];
  readonly #numeric: boolean;

  constructor(shards: ReadonlyArray<{ id: string; range: KeyRange | undefined }>) {
    const entries = shards.map((s) => ({ shardId: s.id, from: s.range?.from, to: s.range?.to }));
    const bounds = entries.flatMap((e) => [e.from, e.to]).filter((b) => b !== undefined);
    this.#numeric = bounds.length > 0 && bounds.every((b) => typeof b === 'number');
    entries.sort((a, b) => (a.from === undefined ? -1 : b.from === undefined ? 1 : compare(a.from, b.from)));
    const problems: string[] = [];
    entries.forEach((e, i) => {
      if (e.from !== undefined && e.to !== undefined && compare(e.from, e.to) >= 0)
        problems.push(
          `shard '${e.shardId}' range from=${JSON.stringify(e.from)} is not below to=${JSON.stringify(e.to)}`,
        );
      const next = entries[i + 1];
      if (next && (e.to === undefined || next.from === undefined || compare(e.to, next.from) > 0))
        problems.push(`shards '${e.shardId}' and '${next.shardId}' have overlapping ranges`);
    });
    if (problems.length > 0)
      throw new IntelGraphError('CONFIG_INVALID', `range strategy: ${problems.join('; ')}`, {
        input: entries,
        details: { problems },
      });
    this.#entries = entries;
  }

  route(key: ShardKey): string {
    const k: Bound = key instanceof Date ? (this.#numeric ? key.getTime() : key.toISOString()) : key;
    // Last entry whose `from` is <= k.
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const from = this.#entries[mid]!.from;
      if (from === undefined || compare(from, k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const entry = this.#entries[lo - 1];
    if (!entry || (entry.to !== undefined && compare(k, entry.to) >= 0)) {
      throw new IntelGraphError(
        'SHARD_KEY_OUT_OF_RANGE',
        `shard key ${JSON.stringify(k)} is outside every shard range`,
        {
          input: k,
          details: { ranges: this.#entries.map((e) => ({ shardId: e.shardId, from: e.from, to: e.to })) },
        },
      );
    }
    return entry.shardId;
  }
}
