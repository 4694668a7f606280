import type { ShardManager } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';

/** One schema change. Ids sort in the order they apply (`001_users`, `002_…`); never edit an applied one. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * Applies `migrations` on every shard's primary (or those of `shardIds`), in id order, each shard in one transaction
 * under an advisory lock (two instances starting together apply each migration once). Applied
 * ids are recorded in `<service>_schema_migrations` on each shard, so subgraphs sharing shard
 * databases keep separate histories. Returns the ids applied per shard.
 */
export async function runMigrations(
  manager: ShardManager,
  service: string,
  migrations: readonly Migration[],
  shardIds: readonly string[] = manager.shardIds,
): Promise<Map<string, string[]>> {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(service)) {
    throw new IntelGraphError('CONFIG_INVALID', `service name ${service} cannot name a migrations table`, {
      input: service,
      details: { field: 'service' },
    });
  }
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const table = `${service}_schema_migrations`;
  const lockKey = [...service].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7);
  const applied = new Map<string, string[]>();
  await Promise.all(
    shardIds
      .map((id) => manager.shard(id))
      .map(async (shard) => {
        const client = await manager.writer(shard.id).pool.connect();
        const done: string[] = [];
        try {
          await client.query('BEGIN');
          await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
          );
          const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${table}`);
          const known = new Set(rows.map((r) => r.id));
          for (const migration of ordered) {
            if (known.has(migration.id)) continue;
            await client.query(migration.sql);
            await client.query(`INSERT INTO ${table} (id) VALUES ($1)`, [migration.id]);
            done.push(migration.id);
          }
          await client.query('COMMIT');
          applied.set(shard.id, done);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw new IntelGraphError(
            'INTERNAL_ERROR',
            `migrations of ${service} failed on shard ${shard.id}`,
            {
              cause: error,
              details: { shardId: shard.id },
            },
          );
        } finally {
          client.release();
        }
      }),
  );
  return applied;
}
