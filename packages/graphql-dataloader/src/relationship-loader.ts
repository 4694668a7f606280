import { IntelGraphError } from '@intelgraph/errors';
import type DataLoader from 'dataloader';
import type { BatchContext, LoaderOptions } from './loader-options.js';
import { resolveLoaderOptions } from './loader-options.js';
import { createShardAwareLoader } from './shard-aware-loader.js';

/**
 * What a relationship batch function returns: all rows of all parents in one list (grouped by
 * `groupBy`), or a map from parent key to its rows (or to an error for that parent only).
 */
export type RelationshipBatchResult<K, V> = Iterable<V> | ReadonlyMap<K, readonly V[] | Error>;

export type RelationshipBatchFn<K, V> = (
  parentKeys: readonly K[],
  context: BatchContext,
) => Promise<RelationshipBatchResult<K, V>>;

export interface RelationshipLoaderOptions<K, V> extends LoaderOptions<K, readonly V[]> {
  /**
   * The parent key of a returned row (e.g. `(row) => row.created_by`). Needed when the batch
   * function returns a flat list of rows; the rows keep the order the batch function gave them.
   */
  readonly groupBy?: (row: V) => K;
}

/**
 * A loader of the rows belonging to each parent key (`postsByUser`, `linksOfEntity`). A parent
 * without rows gets `[]`. One query per shard answers a whole page of parents.
 *
 * ```ts
 * const postsByUser = createRelationshipLoader(
 *   async (userIds) => db.query('… WHERE author_id = ANY($1) ORDER BY created_at', [userIds]).then((r) => r.rows),
 *   { groupBy: (post) => post.author_id },
 * );
 * // in a resolver: context.loaders.postsByUser.load(user.id)
 * ```
 */
export function createRelationshipLoader<K, V>(
  batchFn: RelationshipBatchFn<K, V>,
  options: RelationshipLoaderOptions<K, V> = {},
): DataLoader<K, readonly V[]> {
  const resolved = resolveLoaderOptions<K, readonly V[]>(options);
  const { groupBy } = options;
  return createShardAwareLoader<K, readonly V[]>(resolved, {
    async load(keys, context) {
      const result = await batchFn(keys, context);
      const found = new Map<string, V[] | Error>();
      if (result instanceof Map) {
        for (const [key, rows] of result as ReadonlyMap<K, readonly V[] | Error>) {
          found.set(resolved.keyOf(key), rows instanceof Error ? rows : [...rows]);
        }
        return found;
      }
      if (
        groupBy === undefined ||
        result === null ||
        typeof result !== 'object' ||
        !(Symbol.iterator in result)
      ) {
        throw new IntelGraphError(
          'LOADER_BATCH_INVALID',
          `${resolved.name}: the batch function must return a Map of rows per key, or rows with the groupBy option`,
          { details: { loader: resolved.name } },
        );
      }
      for (const row of result as Iterable<V>) {
        const id = resolved.keyOf(groupBy(row));
        const list = found.get(id);
        if (Array.isArray(list)) list.push(row);
        else found.set(id, [row]);
      }
      return found;
    },
    absent: () => [],
    cacheable: () => true,
  });
}
