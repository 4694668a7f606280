import { inTransaction, type SqlDatabase } from './sql-database.js';

/**
 * Schema of the event store, as numbered migrations applied once each, under an advisory lock
 * so several processes starting together do not race. Only additive changes go here.
 *
 * Global order: each event row records the id of the transaction that wrote it
 * (`transaction_id xid8`) and a sequence `position`. Reading in (transaction_id, position) order
 * and only below `pg_snapshot_xmin(pg_current_snapshot())` — the oldest transaction still running —
 * means a reader never passes a row that a slower transaction has yet to commit: such a row has
 * a transaction id at or above xmin, so the reader stops before it until it commits (or aborts).
 * A plain `bigserial` order would skip it: a later sequence value can commit first.
 */
export function migrations(schema: string): readonly string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.streams (
       aggregate_id text PRIMARY KEY,
       aggregate_type text NOT NULL,
       version integer NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.events (
       event_id text PRIMARY KEY,
       position bigint GENERATED ALWAYS AS IDENTITY,
       transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       aggregate_id text NOT NULL,
       aggregate_type text NOT NULL,
       version integer NOT NULL,
       event_type text NOT NULL,
       data jsonb NOT NULL,
       metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
       occurred_at timestamptz NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now(),
       UNIQUE (aggregate_id, version)
     );
     CREATE UNIQUE INDEX events_global_order ON ${s}.events (transaction_id, position);
     CREATE TABLE ${s}.snapshots (
       aggregate_id text PRIMARY KEY,
       aggregate_type text NOT NULL,
       version integer NOT NULL,
       state jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.checkpoints (
       subscription text PRIMARY KEY,
       transaction_id xid8 NOT NULL,
       position bigint NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.outbox (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       event_id text NOT NULL,
       topic text NOT NULL,
       message_key text,
       message_type text NOT NULL,
       payload jsonb NOT NULL,
       headers jsonb NOT NULL DEFAULT '{}'::jsonb,
       created_at timestamptz NOT NULL DEFAULT now(),
       sent_at timestamptz,
       attempts integer NOT NULL DEFAULT 0,
       last_error text
     );
     CREATE INDEX outbox_unsent ON ${s}.outbox (id) WHERE sent_at IS NULL;
     CREATE TABLE ${s}.processed_messages (
       consumer text NOT NULL,
       message_id text NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, message_id)
     );`,
    // 2: an outbox row written by this version names its event and carries no copy of it (payload
    // NULL); the relay builds the message from the event row. Rows with a payload still relay as is.
    `ALTER TABLE ${s}.outbox ALTER COLUMN payload DROP NOT NULL;`,
  ];
}

/** Applies the migrations not yet applied; returns how many it applied. */
export async function migrate(database: SqlDatabase, schema: string): Promise<number> {
  const s = `"${schema}"`;
  return inTransaction(database, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`intelgraph-event-store:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query(`SELECT coalesce(max(version), 0) AS v FROM ${s}.migrations`);
    const current = Number((rows[0] as { v: number }).v);
    const all = migrations(schema);
    for (let version = current + 1; version <= all.length; version++) {
      await tx.query(all[version - 1]!);
      await tx.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [version]);
    }
    return all.length - current;
  });
}
