import { IntelGraphError } from '@intelgraph/errors';
import type DataLoader from 'dataloader';
import type { BatchContext, LoaderOptions } from './loader-options.js';
import { resolveLoaderOptions } from './loader-options.js';
import { createShardAwareLoader } from './shard-aware-loader.js';

/**
 * What an entity batch function returns for its keys: the rows found, in any order and with the
 * missing ones left out (matched to keys by `idOf`), or a map from key to row (or to an error
 * for that key only).
 */
export type EntityBatchResult<K, V> = Iterable<V> | ReadonlyMap<K, V | Error | null>;

export type EntityBatchFn<K, V> = (
  keys: readonly K[],
  context: BatchContext,
) => Promise<EntityBatchResult<K, V>>;

export interface EntityLoaderOptions<K, V> extends LoaderOptions<K, V | null> {
  /** The key of a returned row. Default `row.id`. */
  readonly idOf?: (row: V) => K;
  /**
   * What a key with no row resolves to: `null` (default: GraphQL nulls the field) or an error
   * for that key only (`NOT_FOUND`, or what `missingError` builds).
   */
  readonly onMissing?: 'null' | 'error';
  /** The error of a missing key with `onMissing: 'error'`. Default `NOT_FOUND` naming the key. */
  readonly missingError?: (key: K) => Error;
}

function defaultIdOf<K, V>(row: V): K {
  if (typeof row === 'object' && row !== null && 'id' in row) return (row as { id: K }).id;
  throw new IntelGraphError('LOADER_BATCH_INVALID', 'Entity loader: a row has no `id` (pass idOf)', {
    input: row,
  });
}

/**
 * A loader of one row per key (`userById`, `entityById`). The batch function gets the distinct
 * keys of one shard and returns the rows it found; a key without a row is `null` or an error
 * for that key alone.
 *
 * ```ts
 * const userLoader = createEntityLoader(async (ids) => db.query('… WHERE id = ANY($1)', [ids]).then((r) => r.rows));
 * ```
 */
export function createEntityLoader<K, V>(
  batchFn: EntityBatchFn<K, V>,
  options: EntityLoaderOptions<K, V> = {},
): DataLoader<K, V | null> {
  const resolved = resolveLoaderOptions<K, V | null>(options);
  const idOf = options.idOf ?? defaultIdOf<K, V>;
  const onMissing = options.onMissing ?? 'null';
  const missingError =
    options.missingError ??
    ((key: K) =>
      new IntelGraphError('NOT_FOUND', `${resolved.name}: ${resolved.keyOf(key)} not found`, {
        input: resolved.keyOf(key),
        details: { loader: resolved.name },
      }));
  return createShardAwareLoader<K, V | null>(resolved, {
    async load(keys, context) {
      const result = await batchFn(keys, context);
      const found = new Map<string, V | Error | null>();
      if (result instanceof Map) {
        for (const [key, value] of result as ReadonlyMap<K, V | Error | null>) {
          if (value !== null) found.set(resolved.keyOf(key), value);
        }
      } else if (result !== null && typeof result === 'object' && Symbol.iterator in result) {
        for (const row of result as Iterable<V>) found.set(resolved.keyOf(idOf(row)), row);
      } else {
        throw new IntelGraphError(
          'LOADER_BATCH_INVALID',
          `${resolved.name}: the batch function returned ${typeof result}; expected rows or a Map`,
          { details: { loader: resolved.name } },
        );
      }
      return found;
    },
    absent: (key) => (onMissing === 'error' ? missingError(key) : null),
    cacheable: (value) => value !== null,
  });
}
