import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateQuery } from '../src/index.js';
import { addDecimal, compareDecimal } from '../src/query/decimal.js';
import { mergeResults, shardSql } from '../src/query/merge-results.js';

type Row = Record<string, unknown>;
const INT4 = 23;
const TEXT = 25;
const INT8 = 20;
const fields = [
  { name: 'n', dataTypeID: INT4 },
  { name: 's', dataTypeID: TEXT },
  { name: 'id', dataTypeID: INT4 },
];

const rowArb = fc.record({
  n: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
  s: fc.string({ maxLength: 3 }),
});

/** Reference: sort everything in one list the way PostgreSQL would. */
function oracleSort(rows: Row[], desc: boolean): Row[] {
  return [...rows].sort((a, b) => {
    const x = a.n as number | null;
    const y = b.n as number | null;
    if (x !== y) {
      if (x === null) return desc ? -1 : 1;
      if (y === null) return desc ? 1 : -1;
      return desc ? y - x : x - y;
    }
    const s = a.s as string;
    const t = b.s as string;
    if (s !== t) return s < t ? -1 : 1;
    return (a.id as number) - (b.id as number);
  });
}

describe('mergeResults', () => {
  it('k-way merges sorted shard lists with offset/limit like one sorted list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(rowArb, { maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.nat(10),
        fc.option(fc.nat(20), { nil: undefined }),
        (shards, desc, offset, limit) => {
          let id = 0;
          const withIds = shards.map((rows) => rows.map((r) => ({ ...r, id: id++ })));
          const perShard = withIds.map((rows) => {
            const sorted = oracleSort(rows, desc);
            return { rows: limit === undefined ? sorted : sorted.slice(0, offset + limit), fields };
          });
          const merge = {
            orderBy: [
              { column: 'n', direction: desc ? ('desc' as const) : ('asc' as const) },
              { column: 's' },
              { column: 'id' },
            ],
            offset,
            ...(limit === undefined ? {} : { limit }),
          };
          const expected = oracleSort(withIds.flat(), desc).slice(
            offset,
            limit === undefined ? undefined : offset + limit,
          );
          expect(mergeResults(perShard, merge)).toEqual(expected);
        },
      ),
    );
  });

  it('merges COUNT/SUM/MIN/MAX/AVG partials per group, exactly for int8 strings', () => {
    const q = aggregateQuery({
      from: 'entities',
      groupBy: ['kind'],
      select: {
        n: { fn: 'count' },
        total: { fn: 'sum', column: 'score' },
        lo: { fn: 'min', column: 'score' },
        hi: { fn: 'max', column: 'score' },
        mean: { fn: 'avg', column: 'score' },
      },
    });
    expect(q.sql).toBe(
      'SELECT "kind", COUNT(*) AS "n", SUM("score") AS "total", MIN("score") AS "lo", MAX("score") AS "hi", SUM("score") AS "mean__sum", COUNT("score") AS "mean__count" FROM "entities" GROUP BY "kind"',
    );
    const f = [
      { name: 'kind', dataTypeID: TEXT },
      { name: 'n', dataTypeID: INT8 },
      { name: 'total', dataTypeID: INT8 },
      { name: 'lo', dataTypeID: INT4 },
      { name: 'hi', dataTypeID: INT4 },
    ];
    const merged = mergeResults(
      [
        {
          rows: [
            {
              kind: 'a',
              n: '2',
              total: '9007199254740993',
              lo: 1,
              hi: 7,
              mean__sum: '9007199254740993',
              mean__count: '2',
            },
          ],
          fields: f,
        },
        {
          rows: [
            { kind: 'a', n: '1', total: '1', lo: -3, hi: 2, mean__sum: '1', mean__count: '1' },
            { kind: 'b', n: '1', total: null, lo: null, hi: null, mean__sum: null, mean__count: '0' },
          ],
          fields: f,
        },
      ],
      q.merge,
    );
    expect(merged).toEqual([
      { kind: 'a', n: '3', total: '9007199254740994', lo: -3, hi: 7, mean: 9007199254740994 / 3 },
      { kind: 'b', n: '1', total: null, lo: null, hi: null, mean: null },
    ]);
  });

  it('pushes ORDER BY and offset+limit down as a parameter, with quoted identifiers', () => {
    expect(
      shardSql('SELECT * FROM t WHERE a = $1', [7], {
        orderBy: [{ column: 'we"ird', direction: 'desc', collate: 'C' }],
        offset: 5,
        limit: 10,
      }),
    ).toEqual({
      sql: 'SELECT * FROM (SELECT * FROM t WHERE a = $1) AS ig_shard_rows ORDER BY "we""ird" COLLATE "C" DESC LIMIT $2',
      params: [7, 15],
    });
    expect(shardSql('SELECT 1', [], undefined)).toEqual({ sql: 'SELECT 1', params: [] });
  });

  it('concatenates without a spec', () => {
    expect(
      mergeResults(
        [
          { rows: [{ a: 1 }], fields: [] },
          { rows: [{ a: 2 }], fields: [] },
        ],
        undefined,
      ),
    ).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

describe('decimal strings', () => {
  it('adds and compares exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        (a, b) => {
          expect(addDecimal(a.toString(), b.toString())).toBe((a + b).toString());
          expect(compareDecimal(a.toString(), b.toString())).toBe(a < b ? -1 : a > b ? 1 : 0);
        },
      ),
    );
    expect(addDecimal('1.25', '-0.5')).toBe('0.75');
    expect(addDecimal('-0.25', '0.05')).toBe('-0.20');
    expect(compareDecimal('10.5', '9.99')).toBe(1);
  });
});
