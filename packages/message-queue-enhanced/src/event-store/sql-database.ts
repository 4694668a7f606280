/** The narrow slice of `pg` the event store needs: anything that runs parameterised SQL. */
export interface SqlQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** pg's other form of `query` (`pg.Pool` and `pg.Client` take it): `name` makes it a prepared statement. */
export interface SqlConfigQueryable {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A checked-out connection (`pg.PoolClient`-like). `on('notification')` enables LISTEN/NOTIFY wake-ups. */
export interface SqlClient extends SqlQueryable {
  release(error?: Error | boolean): void;
  on?(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A `pg.Pool`-like: queries, and connections for transactions. */
export interface SqlPool extends SqlQueryable {
  connect(): Promise<SqlClient>;
}

/** An executor that runs transactions itself (e.g. a shard router's `transaction`). */
export interface SqlExecutor extends SqlQueryable {
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** What the event store, relay and deduplicating handler accept: a pool, or an executor. */
export type SqlDatabase = SqlPool | SqlExecutor;

export function isPool(database: SqlDatabase): database is SqlPool {
  return typeof (database as SqlPool).connect === 'function';
}

/** Runs `work` in one transaction: BEGIN/COMMIT on a pooled client, or the executor's own. */
export async function inTransaction<T>(
  database: SqlDatabase,
  work: (tx: SqlQueryable) => Promise<T>,
): Promise<T> {
  if (!isPool(database)) return database.transaction(work);
  const client = await database.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

/** A safe SQL identifier (schema names come from options, never from requests). */
export function assertIdentifier(field: string, value: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new Error(`${field} '${value}' must be a lower-case SQL identifier`);
  }
}
