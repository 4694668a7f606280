import { IntelGraphError } from '@intelgraph/errors';
import type { SqlQueryable } from './sql-database.js';
import type { NewEvent } from './stored-event.js';

export type ExpectedVersion = number | 'any';

export interface AppendResult {
  /** The aggregate's version after the append. */
  readonly version: number;
  /** Events written (0 when every event id was already stored: an idempotent repeat). */
  readonly appended: number;
  /** True when this append repeated one already stored. */
  readonly duplicate: boolean;
}

/** Where the outbox rows of an append go; `undefined` disables the outbox. */
export interface OutboxRouting {
  topic(event: NewEvent): string;
}

export interface ValidatedAppend {
  readonly events: readonly NewEvent[];
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly expected: ExpectedVersion;
}

/** Checks an append's shape before any SQL: one aggregate, ids unique, versions consecutive. */
export function validateAppend(
  input: NewEvent | readonly NewEvent[],
  expectedVersion?: ExpectedVersion,
): ValidatedAppend {
  const events = Array.isArray(input) ? (input as readonly NewEvent[]) : [input as NewEvent];
  if (events.length === 0) throw invalid('append needs at least one event', events);
  const first = events[0]!;
  const ids = new Set<string>();
  for (const [i, event] of events.entries()) {
    for (const field of ['id', 'aggregateId', 'aggregateType', 'eventType'] as const) {
      if (typeof event?.[field] !== 'string' || event[field].length === 0) {
        throw invalid(`event #${i} needs a non-empty string '${field}'`, event);
      }
    }
    if (event.aggregateId !== first.aggregateId || event.aggregateType !== first.aggregateType) {
      throw invalid('the events of one append must belong to one aggregate', event);
    }
    if (ids.has(event.id)) throw invalid(`event id '${event.id}' appears twice in one append`, event);
    ids.add(event.id);
    if (event.data === undefined) throw invalid(`event #${i} needs 'data'`, event);
    if (event.version !== undefined && (!Number.isInteger(event.version) || event.version < 1)) {
      throw invalid(`event #${i} has version ${String(event.version)}; versions are integers from 1`, event);
    }
    if ((event.version === undefined) !== (first.version === undefined)) {
      throw invalid('either every event of an append has a version or none has', event);
    }
    if (event.version !== undefined && event.version !== first.version! + i) {
      throw invalid(
        `event #${i} has version ${event.version}; expected ${first.version! + i} (consecutive)`,
        event,
      );
    }
  }
  let expected: ExpectedVersion =
    expectedVersion ?? (first.version === undefined ? 'any' : first.version - 1);
  if (expected !== 'any' && (!Number.isInteger(expected) || expected < 0)) {
    throw invalid(`expectedVersion ${String(expected)} must be an integer >= 0 or 'any'`, expectedVersion);
  }
  if (first.version !== undefined) {
    if (expected === 'any') expected = first.version - 1;
    else if (first.version !== expected + 1) {
      throw invalid(`the first event has version ${first.version} but expectedVersion is ${expected}`, first);
    }
  }
  return { events, aggregateId: first.aggregateId, aggregateType: first.aggregateType, expected };
}

/**
 * Writes one append inside the caller's transaction; returns `undefined` when the expected
 * version does not match (the caller rolls back and reports the conflict).
 *
 * The stream row is the lock: `UPDATE … WHERE version = expected` (or the INSERT of a new
 * stream) blocks concurrent appenders to the same aggregate until this transaction ends; under
 * READ COMMITTED they then re-check the condition against the committed version, find it moved,
 * and update nothing. So of N appenders with the same expected version exactly one wins.
 */
export async function writeAppend(
  tx: SqlQueryable,
  schema: string,
  append: ValidatedAppend,
  outbox: OutboxRouting | undefined,
  notifyChannel: string,
): Promise<number | undefined> {
  const s = `"${schema}"`;
  const n = append.events.length;
  let first: number;
  if (append.expected === 'any') {
    const { rows } = await tx.query(
      `INSERT INTO ${s}.streams (aggregate_id, aggregate_type, version) VALUES ($1, $2, $3)
       ON CONFLICT (aggregate_id) DO UPDATE SET version = ${s}.streams.version + $3, updated_at = now()
       RETURNING version`,
      [append.aggregateId, append.aggregateType, n],
    );
    first = (rows[0] as { version: number }).version - n + 1;
  } else if (append.expected === 0) {
    const r = await tx.query(
      `INSERT INTO ${s}.streams (aggregate_id, aggregate_type, version) VALUES ($1, $2, $3)
       ON CONFLICT (aggregate_id) DO NOTHING`,
      [append.aggregateId, append.aggregateType, n],
    );
    if (r.rowCount !== 1) return undefined;
    first = 1;
  } else {
    const r = await tx.query(
      `UPDATE ${s}.streams SET version = $2, updated_at = now() WHERE aggregate_id = $1 AND version = $3`,
      [append.aggregateId, append.expected + n, append.expected],
    );
    if (r.rowCount !== 1) return undefined;
    first = append.expected + 1;
  }
  const events = append.events;
  const now = Date.now();
  // One INSERT for the whole batch; WITH ORDINALITY + ORDER BY keeps positions in append order.
  await tx.query(
    `INSERT INTO ${s}.events (event_id, aggregate_id, aggregate_type, version, event_type, data, metadata, occurred_at)
     SELECT u.id, $1, $2, $3::int + u.ord::int - 1, u.type, u.data::jsonb, u.meta::jsonb, to_timestamp(u.ts / 1000.0)
     FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::float8[]) WITH ORDINALITY
          AS u(id, type, data, meta, ts, ord)
     ORDER BY u.ord`,
    [
      append.aggregateId,
      append.aggregateType,
      first,
      events.map((e) => e.id),
      events.map((e) => e.eventType),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata ?? {})),
      events.map((e) => e.timestamp ?? now),
    ],
  );
  if (outbox) {
    await tx.query(
      `INSERT INTO ${s}.outbox (event_id, topic, message_key, message_type, payload, headers)
       SELECT u.id, u.topic, $1, u.type, u.payload::jsonb, u.headers::jsonb
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
            AS u(id, topic, type, payload, headers, ord)
       ORDER BY u.ord`,
      [
        append.aggregateId,
        events.map((e) => e.id),
        events.map((e) => outbox.topic(e)),
        events.map((e) => e.eventType),
        events.map((e, i) =>
          JSON.stringify({
            aggregateId: e.aggregateId,
            aggregateType: e.aggregateType,
            eventType: e.eventType,
            version: first + i,
            data: e.data,
            metadata: e.metadata ?? {},
            timestamp: e.timestamp ?? now,
          }),
        ),
        events.map((e, i) =>
          JSON.stringify({ 'aggregate-type': e.aggregateType, version: String(first + i) }),
        ),
      ],
    );
  }
  await tx.query('SELECT pg_notify($1, $2)', [notifyChannel, append.aggregateId]);
  return first + n - 1;
}

function invalid(message: string, input: unknown): IntelGraphError {
  return new IntelGraphError('EVENT_INVALID', message, { input });
}
