import { IntelGraphError } from '@intelgraph/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageRequest, toConnection } from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return IntelGraphError.is(error) ? error.code : 'OTHER';
  }
  return undefined;
}

describe('Relay pagination', () => {
  it('round-trips any sort key through a cursor', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 3 }), (values) => {
        expect(decodeCursor(encodeCursor(values), values.length)).toEqual(values);
      }),
    );
  });

  it.each([
    ['not base64 at all!'],
    [Buffer.from('c1:{"a":1}').toString('base64url')],
    [Buffer.from('x1:["a","b"]').toString('base64url')],
    [Buffer.from('c1:["a"]').toString('base64url')],
    [Buffer.from('c1:[1,2]').toString('base64url')],
    ['A'.repeat(2000)],
  ])('rejects the malformed cursor %s with BAD_USER_INPUT', (cursor) => {
    expect(codeOf(() => decodeCursor(cursor, 2))).toBe('BAD_USER_INPUT');
  });

  it('bounds first by the maximum page size, naming the limit', () => {
    expect(pageRequest({ first: 100 }, { maxPageSize: 100, arity: 2 }).limit).toBe(100);
    expect(pageRequest({}, { maxPageSize: 100, arity: 2 }).limit).toBe(20);
    expect(pageRequest({}, { maxPageSize: 5, arity: 2 }).limit).toBe(5);
    for (const first of [101, -1, 1.5]) {
      try {
        pageRequest({ first }, { maxPageSize: 100, arity: 2 });
        expect.unreachable();
      } catch (error) {
        expect(IntelGraphError.is(error, 'BAD_USER_INPUT')).toBe(true);
        expect((error as IntelGraphError).details).toEqual({ argument: 'first', max: 100 });
      }
    }
  });

  it('builds edges and pageInfo from limit + 1 rows', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    const page = toConnection(rows, { limit: 2, after: ['x'] }, (r) => [r.k]);
    expect(page.edges.map((e) => e.node.k)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: true,
      startCursor: encodeCursor(['a']),
      endCursor: encodeCursor(['b']),
    });
    const last = toConnection(rows.slice(0, 1), { limit: 2, after: undefined }, (r) => [r.k]);
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(last.pageInfo.hasPreviousPage).toBe(false);
    expect(
      toConnection([], { limit: 2, after: undefined }, (r: { k: string }) => [r.k]).pageInfo.endCursor,
    ).toBeNull();
  });
});
