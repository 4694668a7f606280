import { describe, expect, it } from 'vitest';
import { type RequestContext, rowByIdLoader } from '../src/index.js';

function fakeContext(rows: Array<Record<string, unknown>>) {
  const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  const prefixes: string[] = [];
  const tags: string[][] = [];
  const ctx = {
    db: {
      tenantId: 'acme',
      read: async (sql: string, params: readonly unknown[]) => {
        statements.push({ sql, params });
        return rows.filter((r) => (params[1] as string[]).includes(r.id as string));
      },
    },
    services: {
      loaderStats: undefined,
      loaderCache: (settings: { prefix: string; tags: (key: string) => readonly string[] }) => {
        prefixes.push(settings.prefix);
        tags.push([...settings.tags('acme:1')]);
        return undefined;
      },
    },
  } as unknown as RequestContext;
  return { ctx, statements, prefixes, tags };
}

const toNote = (row: Record<string, unknown>) => ({ id: row.id as string, text: row.text as string });

describe('rowByIdLoader', () => {
  it('reads a batch of the tenant’s ids with one statement and answers a missing id with null', async () => {
    const { ctx, statements, prefixes } = fakeContext([{ id: 'acme:1', text: 'one' }]);
    const loader = rowByIdLoader(ctx, {
      name: 'noteById',
      type: 'Note',
      table: 'notes',
      columns: 'id, text',
      toRecord: toNote,
    });
    expect(await Promise.all([loader.load('acme:1'), loader.load('acme:2')])).toEqual([
      { id: 'acme:1', text: 'one' },
      null,
    ]);
    expect(statements).toEqual([
      {
        sql: 'SELECT id, text FROM notes WHERE tenant_id = $1 AND id = ANY($2)',
        params: ['acme', ['acme:1', 'acme:2']],
      },
    ]);
    expect(prefixes).toEqual([]);
  });

  it('asks for the read-through cache under the tenant’s prefix only when given one, tagged by type and id and tenant', () => {
    const { ctx, prefixes, tags } = fakeContext([]);
    rowByIdLoader(ctx, {
      name: 'noteById',
      type: 'Note',
      table: 'notes',
      columns: 'id, text',
      toRecord: toNote,
      cachePrefix: (tenantId) => `note:v1:${tenantId}:`,
    });
    expect(prefixes).toEqual(['note:v1:acme:']);
    // The tag a write changing the note declares (invalidationTags({ objects: [{ type: 'Note', id }] })),
    // and the tenant's, which a move of the tenant to another shard invalidates.
    expect(tags).toEqual([['Note:acme:1', '@tenant:acme']]);
  });

  it('reads a tenant that cannot form a tenant tag without the cache (a move could not invalidate it)', () => {
    const { ctx, prefixes } = fakeContext([]);
    rowByIdLoader({ ...ctx, db: { ...ctx.db, tenantId: 'has,comma' } } as unknown as RequestContext, {
      name: 'noteById',
      type: 'Note',
      table: 'notes',
      columns: 'id, text',
      toRecord: toNote,
      cachePrefix: (tenantId) => `note:v1:${tenantId}:`,
    });
    expect(prefixes).toEqual([]);
  });
});
