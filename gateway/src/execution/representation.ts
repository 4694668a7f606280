import type { QueryPlanSelectionNode } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { isObjectOfType } from './object-of-type.js';

/**
 * The representation of an entity for an `_entities` fetch: the planner's `requires` selection
 * (key fields, `@requires` inputs, `__typename`) read out of the result tree into new objects,
 * so the rewrites applied to it touch nothing shared. Null when a selected field is missing
 * (Apollo Gateway's `executeSelectionSet`: the entity is then not sent).
 */
export function representationOf(
  schema: GraphQLSchema,
  source: Record<string, unknown> | null,
  selections: readonly QueryPlanSelectionNode[],
): Record<string, unknown> | null {
  if (source === null) return null;
  const result: Record<string, unknown> = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const key = selection.alias ?? selection.name;
      const value = Object.hasOwn(source, key) ? source[key] : undefined;
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value))
        result[key] = value.map((v) =>
          sub ? representationOf(schema, v as Record<string, unknown>, sub) : v,
        );
      else if (sub) result[key] = representationOf(schema, value as Record<string, unknown> | null, sub);
      else result[key] = value;
    } else {
      if (!selection.typeCondition) continue;
      if (isObjectOfType(schema, source, selection.typeCondition))
        mergeInto(result, representationOf(schema, source, selection.selections));
    }
  }
  return result;
}

/** Apollo's `deepMerge` over two fresh representation objects. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown> | null): void {
  if (!source) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    const current = target[key];
    if (current && isPlainObject(value)) mergeInto(current as Record<string, unknown>, value);
    else if (Array.isArray(value) && Array.isArray(current) && value.length === current.length) {
      for (let i = 0; i < value.length; i++) {
        if (isPlainObject(current[i]) && isPlainObject(value[i]))
          mergeInto(current[i] as Record<string, unknown>, value[i] as Record<string, unknown>);
        else current[i] = value[i];
      }
    } else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
