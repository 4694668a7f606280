import {
  assertIdentifier,
  inTransaction,
  type SqlDatabase,
  type SqlQueryable,
} from '../event-store/sql-database.js';
import type { DeliveredMessage, MessageHandler } from '../messages/message.js';

export interface DeduplicationOptions {
  /** The database holding the consumer's state (and the event store's `processed_messages` table). */
  readonly database: SqlDatabase;
  /** Names the consumer: each consumer applies each message id once. */
  readonly consumer: string;
  /** Schema of the event store (where `processed_messages` lives). Default `event_store`. */
  readonly schema?: string;
}

/**
 * Wraps a handler so each message id has its effect once, however often it is delivered
 * (transports and the outbox relay deliver at least once). In one transaction: record
 * (consumer, message id) — a duplicate finds it recorded and does nothing — then run `handler`
 * with that transaction, so the effect and the record commit or roll back together. A failing
 * handler rolls back both, and the transport retries.
 */
export function deduplicatingHandler<P = unknown>(
  options: DeduplicationOptions,
  handler: (message: DeliveredMessage<P>, tx: SqlQueryable) => Promise<void>,
): MessageHandler<P> {
  const schema = options.schema ?? 'event_store';
  assertIdentifier('schema', schema);
  return async (message) => {
    await inTransaction(options.database, async (tx) => {
      const r = await tx.query(
        `INSERT INTO "${schema}".processed_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [options.consumer, message.id],
      );
      if (r.rowCount === 0) return;
      await handler(message, tx);
    });
  };
}
