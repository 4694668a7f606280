import type pg from 'pg';
import { tableDdl } from '../move/capture-ddl.js';
import { quoteIdentifier as q } from '../query/quote-identifier.js';
import type { ShardedTable } from './table-spec.js';

/*
 * Change capture on a source shard while its rows are copied. A row trigger on each moved table
 * logs the primary key of every insert/update/delete of a moving key into `ig_rebalance_log`;
 * the copier replays the log (re-reading the current row, so the order of changes does not
 * matter) until it is empty. CREATE TRIGGER waits for running writers of the table and every
 * later write is logged, so snapshot + log together miss nothing.
 */
const LOG = 'ig_rebalance_log';
const KEYS = 'ig_rebalance_keys';
const FN = 'ig_rebalance_capture';
const TRIGGER = 'ig_rebalance_capture';

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export async function installCapture(
  client: pg.ClientBase,
  tables: readonly ShardedTable[],
  keys: readonly string[],
): Promise<void> {
  // The keys first, then each table's trigger in a transaction of its own (capture-ddl.ts): its
  // CREATE TRIGGER waits for the table's running writers, and every later write sees the keys.
  await createCaptureState(client, keys);
  for (const table of tables) {
    const args = [table.shardKeyColumn, ...table.primaryKey].map(literal).join(', ');
    await tableDdl(client, [
      `DROP TRIGGER IF EXISTS ${TRIGGER} ON ${q(table.name)}`,
      `CREATE TRIGGER ${TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON ${q(table.name)} FOR EACH ROW EXECUTE FUNCTION ${FN}(${args})`,
    ]);
  }
}

async function createCaptureState(client: pg.ClientBase, keys: readonly string[]): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${KEYS} (key text PRIMARY KEY)`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${LOG} (id bigserial PRIMARY KEY, tbl text NOT NULL, pk jsonb NOT NULL)`,
  );
  await client.query(`INSERT INTO ${KEYS} (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [keys]);
  await client.query(`CREATE OR REPLACE FUNCTION ${FN}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  r jsonb;
  o jsonb;
  pk jsonb := '{}'::jsonb;
  opk jsonb := '{}'::jsonb;
  i int;
BEGIN
  IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' THEN o := to_jsonb(OLD); END IF;
  IF EXISTS (SELECT 1 FROM ${KEYS} WHERE key = r->>TG_ARGV[0])
     OR (o IS NOT NULL AND EXISTS (SELECT 1 FROM ${KEYS} WHERE key = o->>TG_ARGV[0])) THEN
    FOR i IN 1 .. TG_NARGS - 1 LOOP
      pk := pk || jsonb_build_object(TG_ARGV[i], r->TG_ARGV[i]);
      IF o IS NOT NULL THEN opk := opk || jsonb_build_object(TG_ARGV[i], o->TG_ARGV[i]); END IF;
    END LOOP;
    INSERT INTO ${LOG} (tbl, pk) VALUES (TG_TABLE_NAME, pk);
    IF o IS NOT NULL AND opk <> pk THEN INSERT INTO ${LOG} (tbl, pk) VALUES (TG_TABLE_NAME, opk); END IF;
  END IF;
  RETURN NULL;
END
$fn$`);
}

export interface LoggedChange {
  readonly id: string;
  readonly tbl: string;
  readonly pk: Record<string, unknown>;
}

/**
 * The oldest logged changes still to replay. There is deliberately no "after id" cursor: a
 * bigserial id is taken when a row is inserted but becomes visible when its transaction commits,
 * so a lower id can appear after a higher one was read, and a cursor would skip it (a lost write).
 * Replayed entries are deleted instead (`deleteLogEntries`), so a late commit is simply read by a
 * later round.
 */
export async function readLog(client: pg.ClientBase, limit: number): Promise<LoggedChange[]> {
  const { rows } = await client.query<LoggedChange>(
    `SELECT id::text AS id, tbl, pk FROM ${LOG} ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Forgets replayed entries (after their rows were upserted or deleted on the target). */
export async function deleteLogEntries(client: pg.ClientBase, ids: readonly string[]): Promise<void> {
  await client.query(`DELETE FROM ${LOG} WHERE id = ANY($1::bigint[])`, [ids]);
}

export async function removeCapture(client: pg.ClientBase, tables: readonly ShardedTable[]): Promise<void> {
  // Each trigger in a transaction of its own (capture-ddl.ts); then what they used, which no
  // writer touches once they are gone (DROP TABLE waits for one still logging).
  for (const table of tables)
    await tableDdl(client, [`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${q(table.name)}`]);
  await tableDdl(client, [
    `DROP FUNCTION IF EXISTS ${FN}()`,
    `DROP TABLE IF EXISTS ${LOG}`,
    `DROP TABLE IF EXISTS ${KEYS}`,
  ]);
}
