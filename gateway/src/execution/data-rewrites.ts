import type { FetchDataRewrite } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { isObjectOfType } from './object-of-type.js';
import { defineOwn, getOwn } from './result-tree.js';

const FRAGMENT_PREFIX = '... on ';

/**
 * Applies the planner's `inputRewrites` (to representations) or `outputRewrites` (to a fetch's
 * answer) in place, as Apollo Gateway does. Callers pass values this request owns: a
 * representation it built, or its own copy of a subgraph answer.
 */
export function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: unknown,
): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    if (rewrite.path.length === 0) continue;
    const parent = rewrite.path.slice(0, -1);
    const field = rewrite.path[rewrite.path.length - 1]!;
    applyAtPath(schema, parent, 0, value, (obj) => {
      if (rewrite.kind === 'ValueSetter') {
        defineOwn(obj, field);
        obj[field] = rewrite.setValueTo;
      } else {
        const at = getOwn(obj, field);
        if (at) {
          defineOwn(obj, rewrite.renameKeyTo);
          obj[rewrite.renameKeyTo] = at;
          obj[field] = undefined;
        }
      }
    });
  }
}

function applyAtPath(
  schema: GraphQLSchema,
  path: readonly string[],
  at: number,
  value: unknown,
  apply: (obj: Record<string, unknown>) => void,
): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(schema, path, at, element, apply);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (at === path.length) {
    apply(obj);
    return;
  }
  const step = path[at]!;
  if (step.startsWith(FRAGMENT_PREFIX)) {
    if (isObjectOfType(schema, obj, step.slice(FRAGMENT_PREFIX.length), true))
      applyAtPath(schema, path, at + 1, obj, apply);
  } else {
    applyAtPath(schema, path, at + 1, getOwn(obj, step), apply);
  }
}
