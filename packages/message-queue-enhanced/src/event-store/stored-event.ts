/** An event as handed to `append` (the platform's documented shape). */
export interface NewEvent<D = unknown> {
  /** Unique event id; appending the same id again is a no-op (idempotent). */
  readonly id: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly data: D;
  /** The aggregate's version after this event (1 for its first). Optional when `expectedVersion` is given. */
  readonly version?: number;
  /** Epoch milliseconds when it happened. Default: now. */
  readonly timestamp?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** An event as read back. */
export interface StoredEvent<D = unknown> {
  readonly id: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly data: D;
  readonly version: number;
  readonly timestamp: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Opaque, totally ordered position in the global log: pass it to `readAll({ after })`. */
  readonly cursor: string;
}

export interface EventRow {
  event_id: string;
  aggregate_id: string;
  aggregate_type: string;
  event_type: string;
  data: unknown;
  version: number;
  occurred_ms: string | number;
  metadata: Record<string, unknown>;
  transaction_text: string;
  position_text: string;
}

/**
 * Columns to select so that `toStoredEvent` can map a row. The text forms get their own names:
 * an alias equal to a column name would make `ORDER BY position` sort the text.
 */
export const EVENT_COLUMNS = `event_id, aggregate_id, aggregate_type, event_type, data, version,
  (extract(epoch from occurred_at) * 1000)::float8 AS occurred_ms, metadata,
  transaction_id::text AS transaction_text, position::text AS position_text`;

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    eventType: row.event_type,
    data: row.data,
    version: row.version,
    timestamp: Math.round(Number(row.occurred_ms)),
    metadata: row.metadata,
    cursor: formatCursor(row.transaction_text, row.position_text),
  };
}

/** The start of the global log. */
export const START_CURSOR = '0:0';

export function formatCursor(transactionId: string, position: string): string {
  return `${transactionId}:${position}`;
}

export function parseCursor(cursor: string): { transactionId: string; position: string } {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(cursor);
  if (!match) throw new Error(`bad cursor '${cursor}'`);
  return { transactionId: match[1]!, position: match[2]! };
}

/** Orders two cursors of one store's global log: negative when `a` is before `b`, 0 when equal. */
export function compareCursors(a: string, b: string): number {
  const x = parseCursor(a);
  const y = parseCursor(b);
  const byTransaction = BigInt(x.transactionId) - BigInt(y.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(x.position) - BigInt(y.position);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}

/** Whether `cursor` is a well-formed position of the global log (`<transaction>:<position>`). */
export function isCursor(cursor: unknown): cursor is string {
  return typeof cursor === 'string' && /^\d{1,20}:\d{1,20}$/.test(cursor);
}
