import {
  type Counter,
  counter,
  createMetricsRegistry,
  type Gauge,
  gauge,
  type Registry,
} from '@intelgraph/telemetry';
import { NotificationListener } from '../event-store/notification-listener.js';
import { PollWait } from '../event-store/poll-wait.js';
import { assertIdentifier, inTransaction, isPool, type SqlDatabase } from '../event-store/sql-database.js';
import { describeError } from '../transport/failure-disposition.js';
import type { Transport } from '../transport/transport.js';

export interface OutboxRelayOptions {
  /** The store's database (pool or executor). */
  readonly database: SqlDatabase;
  /** Where the events go. */
  readonly transport: Transport;
  /** Schema of the event store. Default `event_store`. */
  readonly schema?: string;
  /** Outbox rows claimed per transaction. Default 100. */
  readonly batchSize?: number;
  /** Poll interval without notifications, ms. Default 500. */
  readonly pollIntervalMs?: number;
  /** LISTEN for appends (needs a pool with a spare connection). Default true for a pool. */
  readonly listen?: boolean;
  /** Wait after a failed publish before trying again, ms. Default 1000. */
  readonly retryDelayMs?: number;
  readonly metrics?: Registry;
  /**
   * The `shard` label of the lag gauges. Several relays (one per shard) share a service's
   * registry: without it the last relay to sample would overwrite the others' lag, and a stuck
   * shard would read 0 whenever a healthy one sampled after it. Default `default`.
   */
  readonly shard?: string;
  readonly onError?: (error: unknown) => void;
}

export const OUTBOX_RELAY_DEFAULTS = {
  schema: 'event_store',
  batchSize: 100,
  pollIntervalMs: 500,
  retryDelayMs: 1000,
} as const;

interface OutboxRow {
  row_id: string;
  event_id: string;
  topic: string;
  message_key: string | null;
  message_type: string;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Moves outbox rows to the transport. Each round, in one transaction: take the relay lock (a
 * transaction-scoped advisory lock, so one relay publishes at a time and per-aggregate order
 * holds), lock up to `batchSize` unsent rows in id order, publish them — keys in parallel, each
 * key's rows one after another — waiting for every confirm, mark the published ones sent, commit.
 *
 * Delivery is at least once: if the relay dies after a publish was confirmed but before the
 * commit, those rows are still unsent and are published again by the next round. The message id
 * is the event id, so consumers that deduplicate by id (see `deduplicatingHandler`) apply each
 * event exactly once.
 */
export class OutboxRelay {
  private readonly schema: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly listen: boolean;
  private readonly relayed: Counter<'topic'>;
  private readonly failed: Counter<'topic'>;
  private readonly lagSeconds: Gauge<'shard'>;
  private readonly unsent: Gauge<'shard'>;
  readonly registry: Registry;
  private readonly wait = new PollWait();
  private readonly listener: NotificationListener;
  private running: Promise<void> | undefined;
  private dirty = false;
  private lagSampledAt = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.schema = options.schema ?? OUTBOX_RELAY_DEFAULTS.schema;
    assertIdentifier('schema', this.schema);
    this.batchSize = options.batchSize ?? OUTBOX_RELAY_DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? OUTBOX_RELAY_DEFAULTS.pollIntervalMs;
    this.retryDelayMs = options.retryDelayMs ?? OUTBOX_RELAY_DEFAULTS.retryDelayMs;
    this.listen = options.listen ?? isPool(options.database);
    this.listener = new NotificationListener(`${this.schema}_appended`, () => this.poke());
    this.registry = options.metrics ?? createMetricsRegistry({ collectDefaults: false });
    this.relayed = counter(this.registry, {
      name: 'intelgraph_outbox_relayed_total',
      help: 'Outbox rows published (confirmed) and marked sent',
      labelNames: ['topic'],
    });
    this.failed = counter(this.registry, {
      name: 'intelgraph_outbox_publish_failures_total',
      help: 'Outbox publishes that failed and will be retried',
      labelNames: ['topic'],
    });
    this.lagSeconds = gauge(this.registry, {
      name: 'intelgraph_outbox_lag_seconds',
      help: 'Age of the oldest unsent outbox row (0 when none), per shard',
      labelNames: ['shard'],
    });
    this.unsent = gauge(this.registry, {
      name: 'intelgraph_outbox_unsent',
      help: 'Outbox rows not yet sent, per shard',
      labelNames: ['shard'],
    });
  }

  /** Starts relaying in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.listen) await this.listener.start(this.options.database, this.options.onError);
    this.running = this.loop();
  }

  /** Stops after the round in progress (its transaction commits or rolls back whole). */
  async stop(): Promise<void> {
    this.wait.stop();
    await this.running;
    await this.listener.stop();
  }

  /** One round; resolves to the number of rows published and marked sent. */
  async relayOnce(): Promise<number> {
    return (await this.round()).published;
  }

  private async round(): Promise<{ published: number; failed: number }> {
    const s = `"${this.schema}"`;
    const result = await inTransaction(this.options.database, async (tx) => {
      const { rows: lock } = await tx.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
        `intelgraph-outbox-relay:${this.schema}`,
      ]);
      if (!(lock[0] as { ok: boolean }).ok) return { published: 0, failed: 0 };
      // A row without a payload (written since migration 2) takes its message from its event.
      // The batch is locked and limited first, in id order through the partial index; only its
      // rows are joined (a join before the LIMIT built the message of every unsent row).
      const { rows } = await tx.query(
        `WITH batch AS (
           SELECT id, event_id, topic, message_key, message_type, payload, headers
           FROM ${s}.outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE)
         SELECT b.id::text AS row_id, b.event_id, b.topic, b.message_key, b.message_type,
           CASE WHEN b.payload IS NOT NULL THEN b.payload
             WHEN e.event_id IS NOT NULL THEN jsonb_build_object('aggregateId', e.aggregate_id,
               'aggregateType', e.aggregate_type, 'eventType', e.event_type, 'version', e.version,
               'data', e.data, 'metadata', e.metadata, 'timestamp', extract(epoch from e.occurred_at) * 1000)
           END AS payload,
           CASE WHEN b.payload IS NOT NULL THEN b.headers
             ELSE jsonb_build_object('aggregate-type', e.aggregate_type, 'version', e.version::text)
           END AS headers
         FROM batch b LEFT JOIN ${s}.events e ON b.payload IS NULL AND e.event_id = b.event_id
         ORDER BY b.id`,
        [this.batchSize],
      );
      const batch = rows as OutboxRow[];
      if (batch.length === 0) return { published: 0, failed: 0 };
      const byKey = new Map<string, OutboxRow[]>();
      for (const row of batch) {
        const key = row.message_key ?? row.row_id;
        const rowsOfKey = byKey.get(key);
        if (rowsOfKey) rowsOfKey.push(row);
        else byKey.set(key, [row]);
      }
      const sent: string[] = [];
      const failures: { id: string; error: string }[] = [];
      await Promise.all(
        [...byKey.values()].map(async (rowsOfKey) => {
          for (const [i, row] of rowsOfKey.entries()) {
            try {
              if (row.payload === null) {
                throw new Error(`outbox row ${row.row_id}: event '${row.event_id}' is not in the store`);
              }
              await this.options.transport.publish(row.topic, {
                id: row.event_id,
                type: row.message_type,
                key: row.message_key ?? undefined,
                headers: row.headers,
                payload: row.payload,
              });
              sent.push(row.row_id);
              this.relayed.inc({ topic: row.topic });
            } catch (error) {
              // Keep this key's order: its later rows wait for the next round too.
              for (const later of rowsOfKey.slice(i))
                failures.push({ id: later.row_id, error: describeError(error) });
              this.failed.inc({ topic: row.topic });
              this.options.onError?.(error);
              return;
            }
          }
        }),
      );
      if (sent.length > 0)
        await tx.query(`UPDATE ${s}.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [sent]);
      if (failures.length > 0) {
        await tx.query(
          `UPDATE ${s}.outbox o SET attempts = o.attempts + 1, last_error = f.error
           FROM unnest($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id`,
          [failures.map((f) => f.id), failures.map((f) => f.error)],
        );
      }
      // Commit even after failures: the confirmed rows must stay marked sent.
      return { published: sent.length, failed: failures.length };
    });
    // The lag gauges cost a scan of the unsent rows: sample them when caught up (a short round)
    // or at most once a second while draining a backlog, not after every full round.
    const now = Date.now();
    if (result.published < this.batchSize || now - this.lagSampledAt >= 1000) {
      this.lagSampledAt = now;
      await this.sampleLag();
    }
    return result;
  }

  /** Deletes rows sent more than `olderThanMs` ago; returns how many. */
  async purgeSent(olderThanMs: number): Promise<number> {
    const r = await this.options.database.query(
      `DELETE FROM "${this.schema}".outbox WHERE sent_at < now() - make_interval(secs => $1::float8 / 1000)`,
      [olderThanMs],
    );
    return r.rowCount ?? 0;
  }

  private async sampleLag(): Promise<void> {
    const { rows } = await this.options.database.query(
      `SELECT count(*)::int AS n, coalesce(extract(epoch from now() - min(created_at)), 0)::float8 AS lag
       FROM "${this.schema}".outbox WHERE sent_at IS NULL`,
    );
    const row = rows[0] as { n: number; lag: number };
    const labels = { shard: this.options.shard ?? 'default' };
    this.unsent.set(labels, row.n);
    this.lagSeconds.set(labels, row.lag);
  }

  private poke(): void {
    this.dirty = true;
    this.wait.wake();
  }

  private async loop(): Promise<void> {
    while (!this.wait.stopped) {
      this.dirty = false;
      let round = { published: 0, failed: 1 };
      try {
        round = await this.round();
      } catch (error) {
        this.options.onError?.(error);
      }
      if (round.failed > 0) {
        await this.wait.sleep(this.retryDelayMs);
        continue;
      }
      if (round.published === this.batchSize || this.dirty) continue;
      await this.wait.sleep(this.pollIntervalMs);
    }
  }
}
