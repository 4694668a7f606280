import { IntelGraphError } from '@intelgraph/errors';
import type pg from 'pg';

/*
 * The DDL of change capture (rebalance/change-capture.ts, move/move-capture.ts) on tables the
 * application writes all the time, without ever failing an application write.
 *
 * CREATE TRIGGER locks its table until its transaction ends. Several tables in one transaction
 * means holding one table while waiting for the next, and a writer that holds that next table and
 * then writes the first (an event append writes several tables in one transaction) closes a cycle:
 * PostgreSQL breaks it by failing one of the two, often the application's write (SQLSTATE 40P01,
 * seen as lost writes during a rebalance under load). So each table's trigger DDL runs in its own
 * transaction and holds nothing else: it only ever waits, never makes anyone wait in a cycle.
 *
 * What the single transaction used to give — no write that fired a trigger before the capture
 * started is missing from both the copy and the log — comes from `awaitTransactionsInFlight`:
 * after the moving keys are committed, the copy starts only once every transaction running at
 * that moment has ended (committed before the copy's snapshot, so the copy reads it).
 */

export const CAPTURE_DDL_DEFAULTS = {
  /** Longest wait of one table's trigger DDL for that table's running writers, ms. */
  lockTimeoutMs: 5000,
  /** Longest wait for the transactions in flight when the capture started, ms. */
  inFlightTimeoutMs: 10_000,
} as const;

/**
 * Runs one table's DDL statements in a transaction of their own, waiting at most
 * `lockTimeoutMs` for the table's running writers (a long transaction fails the move early).
 */
export async function tableDdl(
  client: pg.ClientBase,
  statements: readonly string[],
  lockTimeoutMs: number = CAPTURE_DDL_DEFAULTS.lockTimeoutMs,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Waits until every transaction that holds a transaction id now (every write in flight) has
 * ended. Call it outside a transaction, after committing what later writes must see.
 */
export async function awaitTransactionsInFlight(
  client: pg.ClientBase,
  timeoutMs: number = CAPTURE_DDL_DEFAULTS.inFlightTimeoutMs,
): Promise<void> {
  const { rows } = await client.query<{ horizon: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS horizon',
  );
  const horizon = rows[0]!.horizon;
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const { rows: done } = await client.query<{ done: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS done',
      [horizon],
    );
    if (done[0]!.done) return;
    if (Date.now() >= deadline)
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `a transaction that was running when the change capture started is still open after ${timeoutMs} ms (a long transaction on the source shard?)`,
        { details: { horizon } },
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 5 * (round + 1))));
  }
}
