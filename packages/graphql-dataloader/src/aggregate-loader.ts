import { IntelGraphError } from '@intelgraph/errors';
import type DataLoader from 'dataloader';
import type { BatchContext, LoaderOptions } from './loader-options.js';
import { resolveLoaderOptions } from './loader-options.js';
import { createShardAwareLoader } from './shard-aware-loader.js';

export type AggregateKind = 'count' | 'sum' | 'avg';

/** A number as drivers return it: `pg` gives COUNT as a bigint string and SUM/AVG as numeric strings. */
export type AggregateValue = number | string | bigint | null;

/** One `GROUP BY` row: the parent key and its aggregate. */
export interface AggregateRow<K> {
  readonly key: K;
  readonly value: AggregateValue;
}

export type AggregateBatchFn<K> = (
  parentKeys: readonly K[],
  context: BatchContext,
) => Promise<Iterable<AggregateRow<K>> | ReadonlyMap<K, AggregateValue | Error>>;

export interface AggregateLoaderOptions<K> extends LoaderOptions<K, number | null> {
  /**
   * What the batch function computes. Decides the value of a parent with no rows: 0 for
   * `count` and `sum`, `null` for `avg` (the average of nothing is undefined). Default `count`.
   */
  readonly kind?: AggregateKind;
}

function toNumber(value: AggregateValue, loader: string): number | null {
  if (value === null) return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (Number.isNaN(n)) {
    throw new IntelGraphError(
      'LOADER_BATCH_INVALID',
      `${loader}: aggregate value ${String(value)} is not a number`,
      {
        input: String(value),
        details: { loader },
      },
    );
  }
  return n;
}

/**
 * A loader of one number per parent key (`entityCountByUser`, `avgConfidenceOfInvestigation`),
 * computed by one `GROUP BY` query per shard per batch. Values come back as JS numbers whatever
 * the driver returned (`'12'` → `12`).
 *
 * ```ts
 * const entityCount = createAggregateLoader(
 *   async (userIds) => (await db.query('SELECT created_by AS key, count(*) AS value … GROUP BY 1', [userIds])).rows,
 *   { kind: 'count' },
 * );
 * ```
 */
export function createAggregateLoader<K>(
  batchFn: AggregateBatchFn<K>,
  options: AggregateLoaderOptions<K> = {},
): DataLoader<K, number | null> {
  const kind = options.kind ?? 'count';
  if (!['count', 'sum', 'avg'].includes(kind)) {
    throw new IntelGraphError(
      'CONFIG_INVALID',
      `loader option kind=${String(kind)}: expected count, sum or avg`,
      {
        input: kind,
        details: { field: 'kind' },
      },
    );
  }
  const resolved = resolveLoaderOptions<K, number | null>(options);
  const empty = kind === 'avg' ? null : 0;
  return createShardAwareLoader<K, number | null>(resolved, {
    async load(keys, context) {
      const result = await batchFn(keys, context);
      const found = new Map<string, number | null | Error>();
      if (result instanceof Map) {
        for (const [key, value] of result as ReadonlyMap<K, AggregateValue | Error>) {
          found.set(resolved.keyOf(key), value instanceof Error ? value : toNumber(value, resolved.name));
        }
      } else {
        for (const row of result as Iterable<AggregateRow<K>>) {
          found.set(resolved.keyOf(row.key), toNumber(row.value, resolved.name));
        }
      }
      return found;
    },
    absent: () => empty,
    cacheable: () => true,
  });
}
