import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantTable } from '../src/move/tenant-table.js';
import { RowCopier } from '../src/rebalance/row-copier.js';

// A row changed twice while it is copied is logged twice: the catch-up reads the log in batches
// and must re-read and upsert it once (an upsert meeting a row twice fails the whole move with
// "ON CONFLICT DO UPDATE command cannot affect row a second time").
describe('replaying a change log that names a row more than once', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let src: pg.Client;
  let dst: pg.Client;
  const ddl =
    'CREATE TABLE things (tenant_id text NOT NULL, id text NOT NULL, n int NOT NULL, PRIMARY KEY (tenant_id, id))';
  beforeAll(async () => {
    [source, target] = await Promise.all([
      createTestDatabase('ig_replay_dup_src'),
      createTestDatabase('ig_replay_dup_dst'),
    ]);
    src = new pg.Client({ connectionString: source.url });
    dst = new pg.Client({ connectionString: target.url });
    await Promise.all([src.connect(), dst.connect()]);
    await Promise.all([src.query(ddl), dst.query(ddl)]);
    await src.query("INSERT INTO things VALUES ('t', 'a', 1), ('t', 'b', 2), ('t', 'c', 3)");
  });
  afterAll(async () => {
    await Promise.all([src?.end(), dst?.end()]);
    await Promise.all([source?.drop(), target?.drop()]);
  });

  const logged = [
    { tenant_id: 't', id: 'a' },
    { tenant_id: 't', id: 'b' },
    { tenant_id: 't', id: 'a' },
    { tenant_id: 't', id: 'a' },
    { tenant_id: 't', id: 'gone' },
  ];

  it('tenant moves: each logged row is read once and upserted', async () => {
    const table = new TenantTable({
      service: 'svc',
      table: 'things',
      kind: 'rows',
      keyColumn: 'tenant_id',
      primaryKey: ['tenant_id', 'id'],
    });
    const rows = await table.current(src, logged);
    expect(rows.map((r) => r.id).sort()).toEqual(['a', 'b']);
    await table.upsert(dst, rows);
    const hashes = await table.hashesOf(
      src,
      logged.map((k) => table.pkString(k)),
    );
    expect(hashes.size).toBe(2);
    const { rows: copied } = await dst.query('SELECT id, n FROM things ORDER BY id');
    expect(copied).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
  });

  it('shard rebalances: each logged row is read once and upserted', async () => {
    await dst.query('TRUNCATE things');
    const copier = new RowCopier({
      name: 'things',
      shardKeyColumn: 'tenant_id',
      primaryKey: ['tenant_id', 'id'],
    });
    const rows = await copier.currentRows(src, logged);
    expect(rows.map((r) => r.id).sort()).toEqual(['a', 'b']);
    await copier.upsert(dst, rows);
    const { rows: copied } = await dst.query('SELECT id FROM things ORDER BY id');
    expect(copied.map((r) => r.id)).toEqual(['a', 'b']);
  });
});
