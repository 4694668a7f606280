import pg from 'pg';
import { serviceUrls } from './service-urls.js';

/**
 * Resolves once the replica has replayed everything the primary had written when this was
 * called (its replay LSN reaches the primary's current LSN). Rejects after `timeoutMs`.
 */
export async function waitForReplica(timeoutMs = 10_000): Promise<void> {
  const urls = serviceUrls();
  const primary = new pg.Client({ connectionString: urls.postgres });
  const replica = new pg.Client({ connectionString: urls.postgresReplica });
  await Promise.all([primary.connect(), replica.connect()]);
  try {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const target = rows[0]!.lsn;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await replica.query<{ caught: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught',
        [target],
      );
      if (r.rows[0]?.caught) return;
      if (Date.now() > deadline) throw new Error(`replica did not reach ${target} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await Promise.all([primary.end(), replica.end()]);
  }
}
