import type pg from 'pg';
import { awaitTransactionsInFlight, tableDdl } from './capture-ddl.js';
import type { TenantTable } from './tenant-table.js';

/*
 * Change capture and the write fence of tenant moves, on a source shard, in SQL — so they hold
 * for every writer of the shard whatever process it runs in and whatever map version it has.
 *
 * `ig_move_keys` has one row per tenant moving away from this shard (or moved away). A row
 * trigger on every footprint table (not the outbox: its rows only ever come with events, and the
 * relay must go on marking them sent) looks the written row's tenant up there with FOR SHARE:
 * - not there: nothing (other tenants pay one index probe per written row while a trigger exists);
 * - there, not fenced: the row's primary key is logged to `ig_move_log` for the catch-up;
 * - fenced: the write fails with SQLSTATE IGM01 (the platform's TENANT_MOVING, retryable).
 * The fence is `UPDATE ig_move_keys SET fenced = true`: it waits for every transaction that holds
 * the row FOR SHARE (a write of the tenant still running) to end, and every later write of the
 * tenant waits for the update and then sees `fenced`. After the fence commits, nothing more of the
 * tenant is written on this shard. A moved tenant's row stays, fenced, as a tombstone: a write
 * from an instance whose map is stale fails instead of landing on the old shard.
 * The mover's own writes (deleting the moved rows) set `intelgraph.move_bypass`.
 */
const KEYS = 'ig_move_keys';
const LOG = 'ig_move_log';
const FN = 'ig_move_capture';
const TRIGGER = 'ig_move_capture';
export const TENANT_MOVING_SQLSTATE = 'IGM01';

const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The capture-and-fence trigger function (see the top of this file). */
const CAPTURE_FUNCTION = `CREATE OR REPLACE FUNCTION ${FN}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  r jsonb;
  o jsonb;
  k text;
  ok text;
  mid text;
  f boolean;
  pk jsonb := '{}'::jsonb;
  opk jsonb := '{}'::jsonb;
  i int;
BEGIN
  IF current_setting('intelgraph.move_bypass', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' THEN o := to_jsonb(OLD); END IF;
  k := r->>TG_ARGV[0];
  IF TG_ARGV[1] = 'prefix' THEN k := split_part(k, ':', 1); END IF;
  SELECT move_id, fenced INTO mid, f FROM ${KEYS} WHERE key = k FOR SHARE;
  IF NOT FOUND AND o IS NOT NULL THEN
    ok := o->>TG_ARGV[0];
    IF TG_ARGV[1] = 'prefix' THEN ok := split_part(ok, ':', 1); END IF;
    SELECT move_id, fenced INTO mid, f FROM ${KEYS} WHERE key = ok FOR SHARE;
    k := ok;
  END IF;
  IF mid IS NULL THEN RETURN NULL; END IF;
  IF f THEN
    RAISE EXCEPTION 'tenant % is moving to another shard (move %): retry', k, mid USING ERRCODE = '${TENANT_MOVING_SQLSTATE}';
  END IF;
  FOR i IN 3 .. TG_NARGS - 1 LOOP
    pk := pk || jsonb_build_object(TG_ARGV[i], r->TG_ARGV[i]);
    IF o IS NOT NULL THEN opk := opk || jsonb_build_object(TG_ARGV[i], o->TG_ARGV[i]); END IF;
  END LOOP;
  INSERT INTO ${LOG} (move_id, tbl, pk) VALUES (mid, TG_ARGV[2], pk);
  IF o IS NOT NULL AND opk <> pk THEN INSERT INTO ${LOG} (move_id, tbl, pk) VALUES (mid, TG_ARGV[2], opk); END IF;
  RETURN NULL;
END
$fn$`;

/**
 * Installs the tables, function and triggers (idempotent) and registers `tenant` as moving.
 *
 * Two transactions, so that no lock on the log is held while waiting for a table's writers (a
 * writer holding its table and logging a row would wait for it: a deadlock). A trigger already
 * in place with the same arguments (a resumed move) is left alone: creating one waits for every
 * running writer of its table.
 */
export async function installMoveCapture(
  client: pg.ClientBase,
  tables: readonly TenantTable[],
  tenant: string,
  moveId: string,
): Promise<void> {
  if (!(await captureInstalled(client))) {
    await inTransaction(client, async () => {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${KEYS} (key text PRIMARY KEY, move_id text NOT NULL, fenced boolean NOT NULL DEFAULT false, moved boolean NOT NULL DEFAULT false)`,
      );
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${LOG} (id bigserial PRIMARY KEY, move_id text NOT NULL, tbl text NOT NULL, pk jsonb NOT NULL)`,
      );
      await client.query(`CREATE INDEX IF NOT EXISTS ${LOG}_by_move ON ${LOG} (move_id, id)`);
    });
  }
  await client.query(CAPTURE_FUNCTION);
  // One transaction per table, each holding nothing else: no deadlock with writers (capture-ddl.ts).
  for (const table of tables) {
    if (table.spec.kind === 'outbox') continue;
    const args = [
      table.spec.keyColumn,
      table.prefixKey ? 'prefix' : 'exact',
      table.spec.table,
      ...table.spec.primaryKey,
    ]
      .map(literal)
      .join(', ');
    const { rows } = await client.query<{ def: string }>(
      'SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = $1 AND tgrelid = $2::regclass',
      [TRIGGER, table.name],
    );
    if (rows[0]?.def.endsWith(`EXECUTE FUNCTION ${FN}(${args})`)) continue;
    await tableDdl(client, [
      `CREATE OR REPLACE TRIGGER ${TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON ${table.name} FOR EACH ROW EXECUTE FUNCTION ${FN}(${args})`,
    ]);
  }
  await client.query(
    `INSERT INTO ${KEYS} (key, move_id) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET move_id = EXCLUDED.move_id, fenced = false, moved = false
     WHERE ${KEYS}.move_id <> EXCLUDED.move_id`,
    [tenant, moveId],
  );
  // A write of the tenant whose trigger looked before that row was there logged nothing: the copy
  // starts once it has ended, so its snapshot has it.
  await awaitTransactionsInFlight(client);
}

async function inTransaction(client: pg.ClientBase, fn: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await fn();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Closes the fence for `tenant` on this shard: waits (up to `lockTimeoutMs`) for its running
 * writes to end; afterwards every write of the tenant here fails with TENANT_MOVING.
 */
export async function fenceTenant(
  client: pg.ClientBase,
  tenant: string,
  lockTimeoutMs: number,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    await client.query(`UPDATE ${KEYS} SET fenced = true WHERE key = $1`, [tenant]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Opens the fence again (a move abandoned before its switch) and stops capturing the tenant. */
export async function releaseTenant(client: pg.ClientBase, tenant: string, moveId: string): Promise<void> {
  if (!(await captureInstalled(client))) return;
  await client.query(`DELETE FROM ${KEYS} WHERE key = $1 AND move_id = $2`, [tenant, moveId]);
  await client.query(`DELETE FROM ${LOG} WHERE move_id = $1`, [moveId]);
}

/**
 * A tenant moving *to* this shard must not meet a tombstone of an earlier move away from it
 * (its copy and, after the switch, its writes would be refused).
 */
export async function clearTombstone(client: pg.ClientBase, tenant: string): Promise<void> {
  if (await captureInstalled(client))
    await client.query(`DELETE FROM ${KEYS} WHERE key = $1 AND moved`, [tenant]);
}

/** After the switch: the tenant stays fenced here for good (a tombstone), its log is dropped. */
export async function tombstoneTenant(client: pg.ClientBase, tenant: string, moveId: string): Promise<void> {
  await client.query(`UPDATE ${KEYS} SET fenced = true, moved = true WHERE key = $1 AND move_id = $2`, [
    tenant,
    moveId,
  ]);
  await client.query(`DELETE FROM ${LOG} WHERE move_id = $1`, [moveId]);
}

export async function captureInstalled(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT to_regclass('${KEYS}') IS NOT NULL AS ok`);
  return rows[0]!.ok;
}

export interface MoveLogEntry {
  readonly id: string;
  readonly tbl: string;
  readonly pk: Record<string, unknown>;
}

/**
 * The oldest logged changes of a move. No "after id" cursor: a bigserial id is taken at insert
 * and seen at commit, so a lower id can appear after a higher one was read; replayed entries are
 * deleted instead (`forgetLogEntries`), and a late commit is read by a later round.
 */
export async function readMoveLog(
  client: pg.ClientBase,
  moveId: string,
  limit: number,
  upTo?: string,
): Promise<MoveLogEntry[]> {
  const { rows } = await client.query<MoveLogEntry>(
    `SELECT id::text AS id, tbl, pk FROM ${LOG} WHERE move_id = $1 AND ($3::bigint IS NULL OR id <= $3::bigint) ORDER BY id LIMIT $2`,
    [moveId, limit, upTo ?? null],
  );
  return rows;
}

/** The highest log id of a move now (a bounded catch-up round replays up to it). */
export async function logHead(client: pg.ClientBase, moveId: string): Promise<string> {
  const { rows } = await client.query<{ id: string | null }>(
    `SELECT max(id)::text AS id FROM ${LOG} WHERE move_id = $1`,
    [moveId],
  );
  return rows[0]?.id ?? '0';
}

export async function forgetLogEntries(client: pg.ClientBase, ids: readonly string[]): Promise<void> {
  await client.query(`DELETE FROM ${LOG} WHERE id = ANY($1::bigint[])`, [ids]);
}

/** Runs `fn` in a transaction whose writes the capture trigger lets through (the mover's own). */
export async function bypassingCapture<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('intelgraph.move_bypass', 'on', true)`);
    const value = await fn();
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
