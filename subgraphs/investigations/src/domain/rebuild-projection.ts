import type { ShardedEventStore, Storage } from '@intelgraph/subgraph-runtime';
import { INVESTIGATION_AGGREGATE } from './investigation-events.js';
import { project } from './projection.js';

/**
 * Rebuilds the read model of every shard from the event log: empties the projection tables, then
 * replays every investigation event in the store's global order through the same `project`
 * function the write path uses. Returns the number of events applied.
 */
export async function rebuildProjection(storage: Storage, events: ShardedEventStore): Promise<number> {
  let applied = 0;
  for (const [shardId, store] of events.stores) {
    // Read the log first (its reads see only committed transactions older than every running
    // one), then swap the read model in one transaction.
    const log = [];
    const pool = storage.manager.writer(shardId).pool;
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM "${store.schema}".events WHERE aggregate_type = $1`,
      [INVESTIGATION_AGGREGATE],
    );
    const committed = (rows[0] as { n: number }).n;
    // The global read hides commits younger than any transaction still running (an outbox relay
    // round, say) so that it never skips one; keep reading until every committed event was seen.
    let cursor: string | undefined;
    for (let idle = 0; log.length < committed && idle < 200; ) {
      const page = await store.readAll({ ...(cursor ? { after: cursor } : {}), limit: 1000 });
      log.push(...page.events.filter((e) => e.aggregateType === INVESTIGATION_AGGREGATE));
      cursor = page.cursor;
      if (page.events.length === 0) {
        idle += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM investigation_entities');
      await client.query('DELETE FROM investigations');
      for (const event of log) {
        await project(client, {
          aggregateId: event.aggregateId,
          version: event.version,
          eventType: event.eventType,
          data: event.data as Record<string, unknown>,
        });
        applied += 1;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  return applied;
}
