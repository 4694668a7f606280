import pg from 'pg';
import type { ShardNode } from './shard-node.js';

export interface ProbeResult {
  readonly inRecovery: boolean;
  /** Current WAL LSN on a primary, last replayed LSN on a standby, in bytes. */
  readonly lsn: number;
}

/*
 * One query answers both questions: the role, and the node's WAL position. On a standby the
 * replay LSN is used (what readers can see), on a primary the current LSN (what was written).
 */
const PROBE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, '0/0')::text AS lsn`;

/**
 * A dedicated connection per node for health checks, so a saturated pool never looks like a
 * dead server. Reconnects on the next probe after any failure.
 */
export class HealthProbe {
  readonly node: ShardNode;
  readonly #timeoutMs: number;
  #client: pg.Client | undefined;

  constructor(node: ShardNode, timeoutMs: number) {
    this.node = node;
    this.#timeoutMs = timeoutMs;
  }

  async probe(): Promise<ProbeResult> {
    try {
      if (!this.#client) {
        const client = new pg.Client({
          ...this.node.connection,
          connectionTimeoutMillis: this.#timeoutMs,
          query_timeout: this.#timeoutMs,
          application_name: `intelgraph-sharding-health:${this.node.id}`,
        });
        client.on('error', () => this.#drop());
        this.#client = client;
        await client.connect();
      }
      const { rows } = await this.#client.query<{ in_recovery: boolean; lsn: string | null }>(PROBE_SQL);
      const row = rows[0]!;
      return { inRecovery: row.in_recovery, lsn: Number(row.lsn ?? 0) };
    } catch (error) {
      this.#drop();
      throw error;
    }
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    // end() on a blackholed socket waits forever for the server: destroy the socket instead, or
    // every failed probe of a partitioned node would leave one more connection hanging.
    client.end().catch(() => {});
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  close(): void {
    this.#drop();
  }
}
