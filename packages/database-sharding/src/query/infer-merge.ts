import type { AggregateMerge, MergeSpec } from './merge-spec.js';

const AGGREGATE =
  /^(count|sum|min|max)\s*\(\s*(?:distinct\s+)?([^()]*)\)\s*(?:(?:as\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_]*))?$/i;

/**
 * The merge a plain global aggregate needs, so `broadcast({ sql: 'SELECT COUNT(*) FROM entities' })`
 * returns one total, as it would on one database. Deliberately narrow: only a select list made
 * of COUNT / SUM / MIN / MAX calls, no GROUP BY, no DISTINCT inside COUNT (a distinct count
 * cannot be summed), no set operations or subqueries in the select list. Anything else is
 * concatenated unless the caller passes `merge` (or builds the query with `aggregateQuery`).
 */
export function inferMerge(sql: string): MergeSpec | undefined {
  const match = /^\s*select\s+([\s\S]+?)\s+from\s+([\s\S]+)$/i.exec(sql);
  if (!match) return undefined;
  const [, list = '', rest = ''] = match;
  if (
    /\b(group\s+by|union|intersect|except|over|having|limit|offset|distinct\s*\()/i.test(rest) ||
    /\bselect\b/i.test(list)
  ) {
    return undefined;
  }
  const aggregates: Record<string, AggregateMerge> = {};
  for (const item of list.split(',')) {
    const m = AGGREGATE.exec(item.trim());
    if (!m) return undefined;
    const fn = m[1]!.toLowerCase() as 'count' | 'sum' | 'min' | 'max';
    if (fn === 'count' && /^\s*distinct\b/i.test(item.slice(item.indexOf('(') + 1))) return undefined;
    const alias = m[3];
    const column =
      alias === undefined
        ? fn
        : alias.startsWith('"')
          ? alias.slice(1, -1).replaceAll('""', '"')
          : alias.toLowerCase();
    if (column in aggregates) return undefined; // two unaliased count(*) share a name: ambiguous
    aggregates[column] = fn;
  }
  return { aggregates };
}
