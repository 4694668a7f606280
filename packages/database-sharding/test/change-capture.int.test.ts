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

describe('change-capture DDL under writers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('ig_shard_capture_ddl');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE entities (id text PRIMARY KEY, tenant_id text NOT NULL, score int NOT NULL)');
    await c.query('CREATE TABLE links (id text PRIMARY KEY, tenant_id text NOT NULL, score int NOT NULL)');
    for (const t of ['entities', 'links'])
      await c.query(
        `INSERT INTO ${t} SELECT 't' || (i % 6) || ':' || i, 't' || (i % 6), 0 FROM generate_series(1, 60) i`,
      );
    await c.end();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('installs and removes its triggers while transactions write both tables in either order, failing none of them', async () => {
    const tables = [
      { name: 'entities', shardKeyColumn: 'tenant_id', primaryKey: ['id'] },
      { name: 'links', shardKeyColumn: 'tenant_id', primaryKey: ['id'] },
    ];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let running = true;
    const failures: string[] = [];
    let committed = 0;
    // Each writer holds its first table's lock a moment before taking the second: the shape of an
    // event append (several tables in one transaction) that CREATE TRIGGER, table after table,
    // used to deadlock with.
    const writer = async (n: number): Promise<void> => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        while (running) {
          const order = Math.random() < 0.5 ? ['entities', 'links'] : ['links', 'entities'];
          // Its own tenant's rows: writers never wait for each other, only for the DDL.
          const tenant = `t${n}`;
          try {
            await client.query('BEGIN');
            await client.query(`UPDATE ${order[0]} SET score = score + 1 WHERE tenant_id = $1`, [tenant]);
            await sleep(Math.random() * 15);
            await client.query(`UPDATE ${order[1]} SET score = score + 1 WHERE tenant_id = $1`, [tenant]);
            await client.query('COMMIT');
            committed++;
          } catch (error) {
            failures.push(`${(error as { code?: string }).code}: ${(error as Error).message}`);
            await client.query('ROLLBACK').catch(() => {});
          }
        }
      } finally {
        await client.end();
      }
    };
    const writers = Array.from({ length: 6 }, (_, n) => writer(n));
    const ddl = new pg.Client({ connectionString: db.url });
    await ddl.connect();
    try {
      for (let round = 0; round < 8; round++) {
        await installCapture(ddl, tables, ['t1']);
        await sleep(Math.random() * 30);
        await removeCapture(ddl, tables);
      }
    } finally {
      running = false;
      await Promise.all(writers);
      await ddl.end();
    }
    expect(failures).toEqual([]);
    expect(committed).toBeGreaterThan(0);
  });
});
