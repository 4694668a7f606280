import type { Pool } from 'pg';

/**
 * Inserts `rows` into `table` with one `INSERT … SELECT FROM unnest(…)` per `batchSize` rows:
 * one round trip and one parse per batch instead of per row. `types` are the Postgres array
 * element types of the columns, in order.
 */
export async function bulkInsert(
  pool: Pool,
  table: string,
  columns: readonly string[],
  types: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  options: { batchSize?: number; onConflict?: string } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 2000;
  const casts = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${casts}) ${options.onConflict ?? 'ON CONFLICT DO NOTHING'}`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const params = columns.map((_, c) => batch.map((row) => row[c]));
    const result = await pool.query(sql, params);
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}
