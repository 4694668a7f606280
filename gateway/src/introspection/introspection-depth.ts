import type { FragmentDefinitionNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';

/** The root fields that start an introspection query. */
export const INTROSPECTION_ROOT_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

/**
 * The introspection fields that return lists of types' parts and lead back to `__Type`: nesting
 * them multiplies the answer by the schema's size at each level (`fields { type { fields … } } }`),
 * so their nesting is what bounds an introspection query's cost, as in Apollo's
 * `introspection::check_max_depth`. `ofType` only walks down one type reference (linear).
 */
export const RECURSIVE_INTROSPECTION_LISTS: ReadonlySet<string> = new Set([
  'fields',
  'inputFields',
  'interfaces',
  'possibleTypes',
]);

export interface IntrospectionMeasure {
  /** The operation selects `__schema` or `__type` (directly, in an inline fragment or a named one). */
  readonly introspects: boolean;
  /** Deepest nesting of `RECURSIVE_INTROSPECTION_LISTS` under them (0 without introspection). */
  readonly listDepth: number;
}

/**
 * Measures an operation's introspection. Named fragments are followed wherever they are spread
 * and counted at the depth of each spread, so a fragment reused deeper than its first use is not
 * undercounted; a fragment's own depth is memoised, which keeps the walk linear. The caller has
 * refused fragment cycles already (OperationAnalyzer).
 */
export function measureIntrospection(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): IntrospectionMeasure {
  const memo = new Map<string, number>();
  /** Deepest list nesting inside `set` (below an introspection root field). */
  const depthOf = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let max = 0;
    for (const sel of set.selections) {
      let d = 0;
      if (sel.kind === 'Field') {
        if (sel.selectionSet) {
          d = depthOf(sel.selectionSet, seen) + (RECURSIVE_INTROSPECTION_LISTS.has(sel.name.value) ? 1 : 0);
        }
      } else if (sel.kind === 'InlineFragment') d = depthOf(sel.selectionSet, seen);
      else d = fragmentDepth(sel.name.value, seen);
      if (d > max) max = d;
    }
    return max;
  };
  const fragmentDepth = (name: string, seen: ReadonlySet<string>): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return 0;
    const d = depthOf(fragment.selectionSet, new Set([...seen, name]));
    memo.set(name, d);
    return d;
  };

  let introspects = false;
  let listDepth = 0;
  const visitedRoots = new Set<string>();
  /** Finds the introspection root fields among the operation's root selections. */
  const roots = (set: SelectionSetNode): void => {
    for (const sel of set.selections) {
      if (sel.kind === 'Field') {
        if (!INTROSPECTION_ROOT_FIELDS.has(sel.name.value)) continue;
        introspects = true;
        if (sel.selectionSet) listDepth = Math.max(listDepth, depthOf(sel.selectionSet, new Set()));
      } else if (sel.kind === 'InlineFragment') roots(sel.selectionSet);
      else if (!visitedRoots.has(sel.name.value)) {
        visitedRoots.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) roots(fragment.selectionSet);
      }
    }
  };
  roots(operation.selectionSet);
  return { introspects, listDepth };
}
