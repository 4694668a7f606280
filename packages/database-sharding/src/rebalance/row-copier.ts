import type pg from 'pg';
import { quoteIdentifier as q } from '../query/quote-identifier.js';
import type { ShardedTable } from './table-spec.js';

type Row = Record<string, unknown>;

/**
 * Moves rows between two shards of one table as JSON (`to_jsonb` out, `jsonb_populate_recordset`
 * in), so every column type PostgreSQL can cast from JSON travels without client-side mapping.
 * Writes are upserts on the primary key: copying a row twice, or a newer version over an older
 * one, is harmless — what makes the catch-up loop idempotent.
 */
export class RowCopier {
  readonly table: ShardedTable;
  #columns: string[] | undefined;

  constructor(table: ShardedTable) {
    this.table = table;
  }

  async #columnsOf(target: pg.ClientBase): Promise<string[]> {
    if (!this.#columns) {
      const { rows } = await target.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
          ORDER BY ordinal_position`,
        [this.table.name],
      );
      if (rows.length === 0) throw new Error(`table '${this.table.name}' does not exist on the target shard`);
      this.#columns = rows.map((r) => r.column_name);
    }
    return this.#columns;
  }

  /** Rows of `keys` on the source, `batchSize` at a time (keyset pagination on the primary key). */
  async *rowsOfKeys(
    source: pg.ClientBase,
    keys: readonly string[],
    batchSize: number,
  ): AsyncGenerator<Row[]> {
    const t = this.table;
    const pk = t.primaryKey.map((c) => q(c)).join(', ');
    let after: Row | undefined;
    for (;;) {
      const params: unknown[] = [keys, batchSize];
      let cursor = '';
      if (after) {
        params.push(JSON.stringify(after));
        cursor = `AND (${pk}) > (SELECT ${pk} FROM jsonb_populate_record(NULL::${q(t.name)}, $3::jsonb))`;
      }
      const { rows } = await source.query<{ r: Row }>(
        `SELECT to_jsonb(t) AS r FROM ${q(t.name)} t WHERE ${q(t.shardKeyColumn)}::text = ANY($1::text[]) ${cursor} ORDER BY ${pk} LIMIT $2`,
        params,
      );
      if (rows.length === 0) return;
      yield rows.map((x) => x.r);
      after = rows.at(-1)!.r;
      if (rows.length < batchSize) return;
    }
  }

  /** Current source rows for logged primary keys (missing ones were deleted). */
  async currentRows(source: pg.ClientBase, pks: readonly Record<string, unknown>[]): Promise<Row[]> {
    const t = this.table;
    const join = t.primaryKey.map((c) => `t.${q(c)} = k.${q(c)}`).join(' AND ');
    const { rows } = await source.query<{ r: Row }>(
      `SELECT to_jsonb(t) AS r FROM ${q(t.name)} t JOIN (SELECT DISTINCT ON (${t.primaryKey.map((c) => q(c)).join(', ')}) * FROM jsonb_populate_recordset(NULL::${q(t.name)}, $1::jsonb)) k ON ${join}`,
      [JSON.stringify(pks)],
    );
    return rows.map((x) => x.r);
  }

  async upsert(target: pg.ClientBase, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    const t = this.table;
    const columns = await this.#columnsOf(target);
    const list = columns.map((c) => q(c)).join(', ');
    const updates = columns.filter((c) => !t.primaryKey.includes(c)).map((c) => `${q(c)} = EXCLUDED.${q(c)}`);
    const conflict = `ON CONFLICT (${t.primaryKey.map((c) => q(c)).join(', ')}) ${updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`;
    const result = await target.query(
      `INSERT INTO ${q(t.name)} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${q(t.name)}, $1::jsonb) ${conflict}`,
      [JSON.stringify(rows)],
    );
    return result.rowCount ?? 0;
  }

  async deleteByPk(target: pg.ClientBase, pks: readonly Record<string, unknown>[]): Promise<number> {
    if (pks.length === 0) return 0;
    const t = this.table;
    const join = t.primaryKey.map((c) => `t.${q(c)} = k.${q(c)}`).join(' AND ');
    const result = await target.query(
      `DELETE FROM ${q(t.name)} t USING jsonb_populate_recordset(NULL::${q(t.name)}, $1::jsonb) k WHERE ${join}`,
      [JSON.stringify(pks)],
    );
    return result.rowCount ?? 0;
  }

  async deleteKeys(target: pg.ClientBase, keys: readonly string[]): Promise<number> {
    const t = this.table;
    const result = await target.query(
      `DELETE FROM ${q(t.name)} WHERE ${q(t.shardKeyColumn)}::text = ANY($1::text[])`,
      [keys],
    );
    return result.rowCount ?? 0;
  }

  async distinctKeys(source: pg.ClientBase): Promise<string[]> {
    const t = this.table;
    const { rows } = await source.query<{ k: string }>(
      `SELECT DISTINCT ${q(t.shardKeyColumn)}::text AS k FROM ${q(t.name)} WHERE ${q(t.shardKeyColumn)} IS NOT NULL`,
    );
    return rows.map((r) => r.k);
  }

  /** The primary-key part of a row (as logged by the capture trigger). */
  pkOf(row: Row): Record<string, unknown> {
    return Object.fromEntries(this.table.primaryKey.map((c) => [c, row[c]]));
  }
}
