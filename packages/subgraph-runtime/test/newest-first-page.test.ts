import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { encodeCursor, newestFirstPage, type RequestContext } from '../src/index.js';

interface Note {
  id: string;
  createdAt: string;
}

/** A request context whose `db.read` records each statement and answers with `rows`. */
function fakeContext(rows: Array<Record<string, unknown>>) {
  const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  const ctx = {
    db: {
      tenantId: 'acme',
      read: async (sql: string, params: readonly unknown[]) => {
        statements.push({ sql, params });
        return rows;
      },
    },
    services: { maxPageSize: 10 },
  } as unknown as RequestContext;
  return { ctx, statements };
}

const toNote = (row: Record<string, unknown>): Note => ({ id: row.id as string, createdAt: row.c as string });
const rows = [3, 2, 1].map((n) => ({ id: `acme:${n}`, c: `2026-01-0${n}T00:00:00.000Z` }));
const query = { table: 'notes', columns: 'id, created_at AS c', toRecord: toNote };

describe('newestFirstPage', () => {
  it('reads the tenant’s rows newest first, one more than asked, and primes the loader', async () => {
    const { ctx, statements } = fakeContext(rows);
    const primed: string[] = [];
    const page = await newestFirstPage(
      ctx,
      { first: 2 },
      { ...query, prime: { prime: (id) => primed.push(id) } },
    );
    expect(statements).toEqual([
      {
        sql: 'SELECT id, created_at AS c FROM notes WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
        params: ['acme', 3],
      },
    ]);
    expect(page.edges.map((e) => e.node.id)).toEqual(['acme:3', 'acme:2']);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(primed).toEqual(['acme:3', 'acme:2', 'acme:1']);
  });

  it('numbers the filter’s and the cursor’s parameters after the fixed ones', async () => {
    const { ctx, statements } = fakeContext([]);
    const after = encodeCursor(['2026-01-02T00:00:00.000Z', 'acme:2']);
    const filter = { argument: 'kind', column: 'kind', value: 'A', allowed: new Set(['A']) };
    await newestFirstPage(ctx, { first: 5, after }, { ...query, filter });
    expect(statements[0]!.sql).toContain(
      'WHERE tenant_id = $1 AND kind = $3 AND (created_at, id) < ($4::timestamptz, $5) ORDER BY',
    );
    expect(statements[0]!.params).toEqual(['acme', 6, 'A', '2026-01-02T00:00:00.000Z', 'acme:2']);
    await newestFirstPage(ctx, { after }, { ...query, filter: { ...filter, value: null } });
    expect(statements[1]!.sql).toContain(
      'WHERE tenant_id = $1 AND (created_at, id) < ($3::timestamptz, $4) ORDER BY',
    );
  });

  it('answers a value outside the filter’s set, or a bad page size first, with BAD_USER_INPUT', async () => {
    const { ctx, statements } = fakeContext(rows);
    const filter = { argument: 'status', column: 'status', value: 'LOST', allowed: new Set(['OPEN']) };
    const unknown = await newestFirstPage(ctx, {}, { ...query, filter }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(IntelGraphError);
    expect(unknown).toMatchObject({ code: 'BAD_USER_INPUT', message: 'status: unknown status' });
    const tooMany = await newestFirstPage(ctx, { first: 11 }, { ...query, filter }).catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ code: 'BAD_USER_INPUT', details: { argument: 'first', max: 10 } });
    expect(statements).toEqual([]);
  });
});
