import { IntelGraphError } from '@intelgraph/errors';
import type { SqlConfigQueryable, SqlQueryable } from './sql-database.js';
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

/**
 * Where the outbox rows of an append go; `undefined` disables the outbox. An event routed to
 * several topics gets one outbox row per topic (each relayed as its own message, same id).
 */
export interface OutboxRouting {
  topic(event: NewEvent): string | readonly string[];
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

export interface WriteAppendOptions {
  /** NOTIFY this channel inside the statement (executors: the caller's transaction carries it). */
  readonly notifyChannel?: string;
  /**
   * Write nothing (and raise nothing) when an event id is stored already. Needed when the
   * statement runs inside the caller's own transaction, which an error would abort. Without it
   * (a pool: the statement is its own transaction) a repeated id fails the statement with a
   * unique violation (23505), which rolls all of it back, and the caller sorts it out; that
   * spares a lookup of every id on every append.
   */
  readonly guardRepeats: boolean;
  /** Send it as a named prepared statement (`db` takes pg's `{ name, text, values }`). */
  readonly prepared: boolean;
}

/**
 * Writes one append as ONE SQL statement (so one round trip, atomic on its own, no explicit
 * transaction): the stream row update, the events and the outbox rows, chained by data-modifying
 * CTEs. Returns the new version, or `undefined` when the expected version did not
 * match (nothing was written then: every insert is gated on the stream update having a row).
 *
 * The stream row is the lock: `UPDATE … WHERE version = expected` (or the INSERT of a new
 * stream) blocks concurrent appenders to the same aggregate until this statement commits; under
 * READ COMMITTED they then re-check the condition against the committed version, find it moved,
 * and update nothing. So of N appenders with the same expected version exactly one wins.
 *
 * An outbox row names its event (id, topic, key, type); the relay builds the message from the
 * event row it joins, so the event's data is written (and WAL-logged) once, not twice.
 */
export async function writeAppend(
  db: SqlQueryable,
  schema: string,
  append: ValidatedAppend,
  outbox: OutboxRouting | undefined,
  options: WriteAppendOptions,
): Promise<number | undefined> {
  const events = append.events;
  const n = events.length;
  const now = Date.now();
  const ids = new Array<string>(n);
  const types = new Array<string>(n);
  const data = new Array<string>(n);
  const metadata = new Array<string>(n);
  const timestamps = new Array<number>(n);
  // One outbox row per (event, topic): its event's ordinal (1-based) and its topic.
  const rowEvents: number[] = [];
  const topics: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    ids[i] = e.id;
    types[i] = e.eventType;
    data[i] = JSON.stringify(e.data);
    metadata[i] = e.metadata == null ? '{}' : JSON.stringify(e.metadata);
    timestamps[i] = e.timestamp ?? now;
    if (outbox) {
      const routed = outbox.topic(e);
      for (const topic of typeof routed === 'string' ? [routed] : routed) {
        rowEvents.push(i + 1);
        topics.push(topic);
      }
    }
  }
  const statement = appendStatement(
    schema,
    append.expected,
    outbox !== undefined,
    options.notifyChannel !== undefined,
    options.guardRepeats,
  );
  const values = [
    append.aggregateId,
    append.aggregateType,
    n,
    append.expected === 'any' ? 0 : append.expected,
    ids,
    types,
    data,
    metadata,
    timestamps,
    topics,
    options.notifyChannel ?? '',
    rowEvents,
  ];
  // A named statement is parsed and planned once per connection, then only bound and executed.
  const { rows } = options.prepared
    ? await (db as unknown as SqlConfigQueryable).query({
        name: statement.name,
        text: statement.text,
        values,
      })
    : await db.query(statement.text, values);
  const row = rows[0] as { version: number } | undefined;
  return row?.version;
}

/**
 * The `headers` of an outbox row without a payload. A relay of an earlier version (one still
 * running during a rolling upgrade) would publish such a row's NULL payload as is; it passes
 * `headers` to `publish`, which refuses the reserved `x-ig-` prefix (MESSAGE_INVALID), so that relay
 * records a failure and leaves the row unsent for a current relay instead. Current relays build the
 * headers from the event and ignore these.
 */
export const THIN_ROW_HEADERS = '{"x-ig-outbox-row": "payload-from-event"}';

const statements = new Map<string, { readonly name: string; readonly text: string }>();

/** The statement of one shape of append, built once per shape and schema, with a unique name. */
function appendStatement(
  schema: string,
  expected: ExpectedVersion,
  outbox: boolean,
  notify: boolean,
  guardRepeats: boolean,
): { readonly name: string; readonly text: string } {
  const kind = expected === 'any' ? 'any' : expected === 0 ? 'new' : 'at';
  const cacheKey = `${schema}|${kind}|${outbox}|${notify}|${guardRepeats}`;
  const cached = statements.get(cacheKey);
  if (cached !== undefined) return cached;
  const s = `"${schema}"`;
  // With guardRepeats every branch writes the stream row only when none of the event ids is
  // stored yet (`fresh`): a repeated append then changes nothing and raises nothing.
  const fromFresh = guardRepeats ? 'FROM fresh' : '';
  const andFresh = guardRepeats ? 'AND EXISTS (SELECT 1 FROM fresh)' : '';
  let stream: string;
  if (kind === 'any') {
    stream = `INSERT INTO ${s}.streams (aggregate_id, aggregate_type, version) SELECT $1, $2, $3 ${fromFresh}
       ON CONFLICT (aggregate_id) DO UPDATE SET version = ${s}.streams.version + $3, updated_at = now()
       RETURNING version`;
  } else if (kind === 'new') {
    stream = `INSERT INTO ${s}.streams (aggregate_id, aggregate_type, version) SELECT $1, $2, $3 ${fromFresh}
       ON CONFLICT (aggregate_id) DO NOTHING RETURNING version`;
  } else {
    stream = `UPDATE ${s}.streams SET version = version + $3, updated_at = now()
       WHERE aggregate_id = $1 AND version = $4::int ${andFresh} RETURNING version`;
  }
  // The new version v comes from the stream CTE; event #ord (1-based) gets v − n + ord.
  // Outbox row r is for event $12[r] (its ordinal in $5/$6) on topic $10[r], in that order.
  const outboxCte = outbox
    ? `, ob AS (
         INSERT INTO ${s}.outbox (event_id, topic, message_key, message_type, headers)
         SELECT ($5::text[])[r.ev], r.topic, $1, ($6::text[])[r.ev], '${THIN_ROW_HEADERS}'::jsonb
         FROM st, unnest($12::int[], $10::text[]) WITH ORDINALITY AS r(ev, topic, ord)
         ORDER BY r.ord
         RETURNING 1)`
    : '';
  const sql = `WITH ${
    guardRepeats
      ? `fresh AS (
       SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM ${s}.events WHERE event_id = ANY($5::text[]))),`
      : ''
  }
     st AS (${stream}),
     ev AS (
       INSERT INTO ${s}.events (event_id, aggregate_id, aggregate_type, version, event_type, data, metadata, occurred_at)
       SELECT u.id, $1, $2, st.version - $3::int + u.ord::int, u.type, u.data::jsonb, u.meta::jsonb, to_timestamp(u.ts / 1000.0)
       FROM st, unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::float8[]) WITH ORDINALITY
            AS u(id, type, data, meta, ts, ord)
       ORDER BY u.ord
       RETURNING 1)${outboxCte}
     -- $4, $10, $11 and $12 are named here in every variant so that every parameter has a type.
     SELECT st.version, $4::int AS expected, cardinality($10::text[]) AS topics, cardinality($12::int[]) AS rows,
       ${notify ? 'pg_notify($11::text, $1)' : '$11::text'} AS notified
     FROM st`;
  const statement = { name: `intelgraph_append_${statements.size}`, text: sql };
  statements.set(cacheKey, statement);
  return statement;
}

function invalid(message: string, input: unknown): IntelGraphError {
  return new IntelGraphError('EVENT_INVALID', message, { input });
}
