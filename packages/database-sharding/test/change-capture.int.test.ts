import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteLogEntries, installCapture, readLog, removeCapture } from '../src/rebalance/change-capture.js';

const table = { name: 'entities', shardKeyColumn: 'tenant_id', primaryKey: ['id'] };

describe('rebalance change capture', () => {
  let db: TestDatabase;
  let a: pg.Client;
  let b: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('ig_shard_capture');
    a = new pg.Client({ connectionString: db.url });
    b = new pg.Client({ connectionString: db.url });
    await Promise.all([a.connect(), b.connect()]);
    await a.query('CREATE TABLE entities (id text PRIMARY KEY, tenant_id text NOT NULL, score int NOT NULL)');
    await a.query("INSERT INTO entities VALUES ('t1:1', 't1', 0), ('t1:2', 't1', 0), ('t2:1', 't2', 0)");
    await installCapture(a, [table], ['t1']);
  });
  afterAll(async () => {
    await removeCapture(a, [table]).catch(() => {});
    await Promise.all([a.end(), b.end()]);
    await db.drop();
  });

  it('still yields a change whose transaction took a lower log id but committed after a higher one was replayed', async () => {
    // A takes log id n and stays open; B takes n+1 and commits first.
    await a.query('BEGIN');
    await a.query("UPDATE entities SET score = 115 WHERE id = 't1:1'");
    await b.query("UPDATE entities SET score = 7 WHERE id = 't1:2'");
    await b.query("UPDATE entities SET score = 9 WHERE id = 't2:1'"); // not a moving key: not logged

    const first = await readLog(b, 100);
    expect(first.map((e) => e.pk)).toEqual([{ id: 't1:2' }]);
    await deleteLogEntries(
      b,
      first.map((e) => e.id),
    );

    await a.query('COMMIT');
    const second = await readLog(b, 100);
    expect(second.map((e) => e.pk)).toEqual([{ id: 't1:1' }]);
    expect(BigInt(second[0]!.id)).toBeLessThan(BigInt(first[0]!.id));
    await deleteLogEntries(
      b,
      second.map((e) => e.id),
    );
    expect(await readLog(b, 100)).toEqual([]);
  });
});
