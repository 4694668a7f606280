import type { ResponsePath } from '@apollo/query-planner';
import { IntelGraphError } from '@intelgraph/errors';
import { getOwn, type ResultTree } from './result-tree.js';

/**
 * A place in the result tree: the path from the root (with `@` for "every element of the list")
 * and the objects found there, which a fetch under a `Flatten` node merges into.
 */
export interface ResultCursor {
  readonly path: ResponsePath;
  readonly data: Record<string, unknown> | Record<string, unknown>[];
}

/**
 * Moves a cursor down `path`, copying shared objects along the way so what it points at is this
 * request's to write (Apollo Gateway's `moveIntoCursor`, which writes into whatever it finds).
 */
export function moveIntoCursor(
  tree: ResultTree,
  cursor: ResultCursor,
  path: ResponsePath,
): ResultCursor | undefined {
  const data = flattenAtPath(tree, cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data: data as ResultCursor['data'] } : undefined;
}

function flattenAtPath(tree: ResultTree, value: unknown, path: ResponsePath, at: number): unknown {
  if (at === path.length || value === undefined || value === null) return value;
  const step = path[at];
  if (step === '@') {
    if (!Array.isArray(value)) return undefined;
    return value.flatMap((_, i) => {
      const element = tree.own(value, i);
      return flattenAtPath(tree, element, path, at + 1) as unknown[];
    });
  }
  if (typeof step !== 'string' || Array.isArray(value))
    throw new IntelGraphError('INTERNAL_ERROR', `Unexpected path element ${String(step)} in a query plan`, {
      input: path,
    });
  if (getOwn(value, step) === undefined) return undefined;
  return flattenAtPath(tree, tree.own(value as Record<string, unknown>, step), path, at + 1);
}
