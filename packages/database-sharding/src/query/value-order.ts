import { compareDecimal, isDecimalString } from './decimal.js';

/** pg type OIDs whose JavaScript value is a decimal string (int8, numeric, money-free). */
const DECIMAL_STRING_TYPES = new Set([20, 1700]);

export type Comparator = (a: unknown, b: unknown) => number;

/**
 * Orders two non-null values of one column the way PostgreSQL does for the common types:
 * numbers, int8/numeric decimal strings (exactly), dates, booleans, and text by UTF-16 code unit
 * (= PostgreSQL's order under the `C` / `C.UTF-8` collation for the Basic Multilingual Plane;
 * for locale collations sort on a `COLLATE "C"` expression, see the README).
 */
export function compareValues(a: unknown, b: unknown, typeOid?: number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    if (
      (typeOid !== undefined && DECIMAL_STRING_TYPES.has(typeOid)) ||
      (typeOid === undefined && isDecimalString(a) && isDecimalString(b))
    )
      return compareDecimal(a, b);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface SortKey {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
  readonly nulls: 'first' | 'last';
  readonly typeOid: number | undefined;
}

/** A row comparator for ORDER BY keys (PostgreSQL defaults: NULLS LAST ascending, FIRST descending). */
export function rowComparator(
  keys: readonly SortKey[],
): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = a[key.column];
      const y = b[key.column];
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      let c: number;
      if (xNull || yNull) {
        if (xNull && yNull) continue;
        c = xNull === (key.nulls === 'first') ? -1 : 1;
        if (c !== 0) return c;
        continue;
      }
      c = compareValues(x, y, key.typeOid);
      if (c !== 0) return key.direction === 'desc' ? -c : c;
    }
    return 0;
  };
}
