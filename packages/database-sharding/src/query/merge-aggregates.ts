import { addDecimal, isDecimalString } from './decimal.js';
import type { AggregateMerge } from './merge-spec.js';
import { compareValues } from './value-order.js';

type Row = Record<string, unknown>;

function add(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  if (isDecimalString(a) && isDecimalString(b)) return addDecimal(a, b);
  return Number(a) + Number(b);
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

/**
 * GROUP BY merge of per-shard partial aggregates. Rows with equal `groupBy` values (compared
 * through a JSON key, so `'1'` and `1` stay distinct) fold into one: COUNT and SUM add (exactly
 * for int8/numeric strings), MIN/MAX keep the extreme, AVG divides the summed SUM by the summed
 * COUNT and drops the two partial columns. NULL inputs behave as in SQL (ignored; all-NULL is NULL).
 */
export function mergeAggregates(
  rows: Iterable<Row>,
  groupBy: readonly string[],
  aggregates: Readonly<Record<string, AggregateMerge>>,
  typeOids: ReadonlyMap<string, number>,
): Row[] {
  const groups = new Map<string, Row>();
  const entries = Object.entries(aggregates);
  for (const row of rows) {
    const key = JSON.stringify(groupBy.map((c) => row[c] ?? null));
    const acc = groups.get(key);
    if (!acc) {
      groups.set(key, { ...row });
      continue;
    }
    for (const [column, kind] of entries) {
      if (typeof kind === 'object') {
        acc[kind.avg.sum] = add(acc[kind.avg.sum], row[kind.avg.sum]);
        acc[kind.avg.count] = add(acc[kind.avg.count], row[kind.avg.count]);
      } else if (kind === 'count' || kind === 'sum') {
        acc[column] = add(acc[column], row[column]);
      } else {
        const a = acc[column];
        const b = row[column];
        if (b === null || b === undefined) continue;
        if (a === null || a === undefined) acc[column] = b;
        else {
          const c = compareValues(b, a, typeOids.get(column));
          if ((kind === 'min' && c < 0) || (kind === 'max' && c > 0)) acc[column] = b;
        }
      }
    }
  }
  const out = [...groups.values()];
  for (const row of out) {
    for (const [column, kind] of entries) {
      if (typeof kind !== 'object') continue;
      const sum = toNumber(row[kind.avg.sum]);
      const count = toNumber(row[kind.avg.count]);
      row[column] = sum === null || !count ? null : sum / count;
      if (kind.avg.sum !== column) delete row[kind.avg.sum];
      if (kind.avg.count !== column) delete row[kind.avg.count];
    }
  }
  return out;
}
