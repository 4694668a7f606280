import type pg from 'pg';
import type { TenantTable } from './tenant-table.js';

/**
 * Moves the tenant's unsent outbox rows to the target (in the fenced phase: no new ones appear):
 * each is inserted there unless a row for the same event and topic is (a resumed move), then
 * marked sent on the source with a note, so the source's relay leaves it and the target's relay
 * publishes it. A row the source's relay published just before is published again: consumers
 * deduplicate by message id (at-least-once, as every relay retry).
 */
export async function moveOutbox(
  outbox: TenantTable,
  src: pg.ClientBase,
  dst: pg.ClientBase,
  tenant: string,
  note: string,
): Promise<number> {
  const { rows } = await src.query<{ r: Record<string, unknown> }>(
    `SELECT to_jsonb(t) AS r FROM ${outbox.name} t WHERE ${outbox.where(1, 't.')} AND t.sent_at IS NULL ORDER BY t.id`,
    [tenant],
  );
  if (rows.length === 0) return 0;
  const columns = (await outbox.columns(dst)).map((c) => `"${c.replaceAll('"', '""')}"`).join(', ');
  await dst.query(
    `INSERT INTO ${outbox.name} (${columns})
     SELECT ${columns} FROM jsonb_populate_recordset(NULL::${outbox.name}, $1::jsonb) r
      WHERE NOT EXISTS (SELECT 1 FROM ${outbox.name} o WHERE o.event_id = r.event_id AND o.topic = r.topic)
      ORDER BY r.id`,
    [JSON.stringify(rows.map((x) => x.r))],
  );
  await src.query(
    `UPDATE ${outbox.name} SET sent_at = now(), last_error = $2 WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
    [rows.map((x) => x.r.id), `moved to ${note}`],
  );
  return rows.length;
}
