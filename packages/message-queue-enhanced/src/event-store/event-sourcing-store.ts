import { IntelGraphError } from '@intelgraph/errors';
import {
  type AppendResult,
  type ExpectedVersion,
  type OutboxRouting,
  type ValidatedAppend,
  validateAppend,
  writeAppend,
} from './append-events.js';
import { migrate } from './event-store-migrations.js';
import {
  EventSubscription,
  type EventSubscriptionOptions,
  type StoredEventHandler,
} from './event-subscription.js';
import { assertIdentifier, isPool, type SqlDatabase } from './sql-database.js';
import {
  EVENT_COLUMNS,
  type EventRow,
  type NewEvent,
  parseCursor,
  START_CURSOR,
  type StoredEvent,
  toStoredEvent,
} from './stored-event.js';

export interface EventSourcingStoreOptions {
  /** PostgreSQL schema holding the store's tables. Default `event_store`. */
  readonly schema?: string;
  /**
   * Outbox rows written with every append, in the same transaction. `topic` maps an event to the
   * topic the relay publishes it on (default: its `aggregateType`), or to several (one row, so one
   * message, per topic). `false` disables the outbox.
   */
  readonly outbox?: false | { readonly topic?: (event: NewEvent) => string | readonly string[] };
  /**
   * Appends through a pool as named prepared statements (parsed and planned once per
   * connection). Needs a pool whose `query` also takes pg's `{ name, text, values }` (`pg.Pool`
   * does) and a server-side session per connection (not PgBouncer in transaction mode before 1.21).
   * Executors always get plain text. Default true.
   */
  readonly preparedStatements?: boolean;
}

export interface AppendOptions {
  /**
   * The aggregate's version before this append: `0` for a new aggregate, `'any'` to skip the
   * check. Default: the first event's `version − 1`, or `'any'` when events carry no version.
   */
  readonly expectedVersion?: ExpectedVersion;
}

export interface Snapshot<S = unknown> {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly version: number;
  readonly state: S;
}

/** Least time between two wake-up NOTIFYs while appends keep coming (the first one goes at once). */
const NOTIFY_SPACING_MS = 5;

export const EVENT_STORE_DEFAULTS = { schema: 'event_store', preparedStatements: true } as const;

/**
 * An event store on PostgreSQL: optimistic concurrency per aggregate, idempotent appends,
 * per-aggregate and global ordered reads, snapshots, catch-up subscriptions and a transactional
 * outbox. Takes a `pg.Pool`-like pool or an executor with its own `transaction` (the caller
 * picks the shard). Call `migrate()` once before use.
 */
export class EventSourcingStore {
  readonly schema: string;
  /** NOTIFY channel an append signals; subscriptions and the outbox relay LISTEN on it. */
  readonly channel: string;
  private readonly outbox: OutboxRouting | undefined;
  private readonly preparedStatements: boolean;
  /** Set when the server refused a named statement as already existing (see `append`). */
  private preparedRefused = false;
  private notifying = false;
  private notifyDue = false;

  constructor(
    readonly database: SqlDatabase,
    options: EventSourcingStoreOptions = {},
  ) {
    this.schema = options.schema ?? EVENT_STORE_DEFAULTS.schema;
    try {
      assertIdentifier('schema', this.schema);
    } catch (cause) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `schema=${JSON.stringify(this.schema)}: expected a lower-case SQL identifier`,
        {
          input: { schema: this.schema },
          cause,
        },
      );
    }
    this.preparedStatements = options.preparedStatements ?? EVENT_STORE_DEFAULTS.preparedStatements;
    if (typeof this.preparedStatements !== 'boolean') {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `preparedStatements=${JSON.stringify(this.preparedStatements)}: expected true or false`,
        { input: { preparedStatements: this.preparedStatements } },
      );
    }
    this.channel = `${this.schema}_appended`;
    const topic =
      options.outbox === false ? undefined : (options.outbox?.topic ?? ((e: NewEvent) => e.aggregateType));
    this.outbox = topic ? { topic } : undefined;
  }

  /** Creates or upgrades the store's tables; safe to call from many processes at once. */
  migrate(): Promise<number> {
    return migrate(this.database, this.schema);
  }

  /**
   * Appends events of one aggregate atomically (with their outbox rows). Throws
   * `CONCURRENCY_CONFLICT` when the aggregate is not at the expected version. Appending events
   * whose ids are all stored already returns `{ duplicate: true }` and writes nothing.
   */
  async append(events: NewEvent | readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const append = validateAppend(events, options.expectedVersion);
    const ids = append.events.map((e) => e.id);
    let version: number | undefined;
    let prepared = false;
    try {
      // A pool gets its NOTIFY after the commit (see signalAppended); an executor may be the
      // caller's own transaction, which must not be touched from the side, so it carries it, and
      // must not see an error for a repeated append (it would abort that transaction).
      const pool = isPool(this.database);
      prepared = pool && this.preparedStatements && !this.preparedRefused;
      version = await writeAppend(this.database, this.schema, append, this.outbox, {
        notifyChannel: pool ? undefined : this.channel,
        guardRepeats: !pool,
        prepared,
      });
    } catch (error) {
      if (prepared && (error as { code?: string }).code === '42P05') {
        // "prepared statement already exists" on a connection that never prepared it: its
        // connections share one server session (PGlite behind a wire server, as in the embedded
        // mode: another connection prepared it there). The Parse failed, nothing ran; this store
        // sends plain text from now on. (Found by the event store contract on PGlite.)
        this.preparedRefused = true;
        return this.append(events, options);
      }
      if ((error as { code?: string }).code !== '23505') throw error;
      // An event id is stored already: a retry of an append that did commit, or a clash.
      const repeat = await this.existingIds(ids);
      if (repeat) return repeat;
      if (await this.isVersionConflict(append)) throw await this.conflict(append, error);
      throw new IntelGraphError('EVENT_INVALID', 'an event id of this append is already stored elsewhere', {
        input: ids,
        cause: error,
      });
    }
    if (version !== undefined) {
      if (isPool(this.database)) this.signalAppended();
      return { version, appended: ids.length, duplicate: false };
    }
    // Lost on the version: maybe to an earlier attempt of this very append (a retry), then it is a repeat.
    const repeat = await this.existingIds(ids);
    if (repeat) return repeat;
    throw await this.conflict(append, undefined);
  }

  /** Events of one aggregate in version order, from `fromVersion` (default 1) to `toVersion`. */
  async readStream(
    aggregateId: string,
    options: { fromVersion?: number; toVersion?: number } = {},
  ): Promise<StoredEvent[]> {
    const { rows } = await this.database.query(
      `SELECT ${EVENT_COLUMNS} FROM "${this.schema}".events
       WHERE aggregate_id = $1 AND version >= $2 AND version <= $3 ORDER BY version`,
      [aggregateId, options.fromVersion ?? 1, options.toVersion ?? 2_147_483_647],
    );
    return (rows as EventRow[]).map(toStoredEvent);
  }

  /** The aggregate's current version (0 when it has no events). */
  async currentVersion(aggregateId: string): Promise<number> {
    const { rows } = await this.database.query(
      `SELECT version FROM "${this.schema}".streams WHERE aggregate_id = $1`,
      [aggregateId],
    );
    return (rows[0] as { version: number } | undefined)?.version ?? 0;
  }

  /**
   * The global log after `after` (default: from the start), in a total order that never skips
   * an event committed late: only transactions older than every running one are returned (see
   * `event-store-migrations.ts`). Pass the returned `cursor` to continue. `aggregatePrefix`
   * keeps the aggregates whose id starts with it (a tenant's, `<tenant>:`), in the same order.
   */
  async readAll(
    options: { after?: string; limit?: number; aggregatePrefix?: string } = {},
  ): Promise<{ events: StoredEvent[]; cursor: string }> {
    const after = options.after ?? START_CURSOR;
    const { transactionId, position } = parseCursorOrThrow(after);
    const prefixed = options.aggregatePrefix !== undefined;
    const { rows } = await this.database.query(
      `SELECT ${EVENT_COLUMNS} FROM "${this.schema}".events
       WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ${prefixed ? 'AND starts_with(aggregate_id, $4)' : ''}
       ORDER BY transaction_id, position
       LIMIT $3`,
      [transactionId, position, options.limit ?? 1000, ...(prefixed ? [options.aggregatePrefix] : [])],
    );
    const events = (rows as EventRow[]).map(toStoredEvent);
    return { events, cursor: events.at(-1)?.cursor ?? after };
  }

  /**
   * The position of the last readable event (of the aggregates whose id starts with
   * `aggregatePrefix`, e.g. a tenant's `<tenant>:`), or `START_CURSOR` when there is none: where a
   * reader that wants only what comes next starts. Same visibility rule as `readAll`, so an event
   * committed late by an older transaction is after it, never skipped.
   */
  async tailCursor(options: { aggregatePrefix?: string } = {}): Promise<string> {
    const prefixed = options.aggregatePrefix !== undefined;
    const { rows } = await this.database.query(
      `SELECT transaction_id::text AS t, position::text AS p FROM "${this.schema}".events
       WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ${prefixed ? 'AND starts_with(aggregate_id, $1)' : ''}
       ORDER BY transaction_id DESC, position DESC
       LIMIT 1`,
      prefixed ? [options.aggregatePrefix] : [],
    );
    const row = rows[0] as { t: string; p: string } | undefined;
    return row ? `${row.t}:${row.p}` : START_CURSOR;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await this.database.query(
      `INSERT INTO "${this.schema}".snapshots (aggregate_id, aggregate_type, version, state) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = excluded.aggregate_type, version = excluded.version,
         state = excluded.state, created_at = now()
       WHERE "${this.schema}".snapshots.version <= excluded.version`,
      [snapshot.aggregateId, snapshot.aggregateType, snapshot.version, JSON.stringify(snapshot.state)],
    );
  }

  async loadSnapshot<S>(aggregateId: string): Promise<Snapshot<S> | undefined> {
    const { rows } = await this.database.query(
      `SELECT aggregate_id, aggregate_type, version, state FROM "${this.schema}".snapshots WHERE aggregate_id = $1`,
      [aggregateId],
    );
    const row = rows[0] as
      | { aggregate_id: string; aggregate_type: string; version: number; state: S }
      | undefined;
    return (
      row && {
        aggregateId: row.aggregate_id,
        aggregateType: row.aggregate_type,
        version: row.version,
        state: row.state,
      }
    );
  }

  /**
   * Rebuilds an aggregate: from its latest snapshot (unless `useSnapshot: false`) plus the
   * events after it, folded with `apply`.
   */
  async replay<S>(
    aggregateId: string,
    apply: (state: S, event: StoredEvent) => S,
    initial: S,
    options: { useSnapshot?: boolean } = {},
  ): Promise<{ state: S; version: number }> {
    const snapshot = options.useSnapshot === false ? undefined : await this.loadSnapshot<S>(aggregateId);
    let state = snapshot?.state ?? initial;
    let version = snapshot?.version ?? 0;
    for (const event of await this.readStream(aggregateId, { fromVersion: version + 1 })) {
      state = apply(state, event);
      version = event.version;
    }
    return { state, version };
  }

  /** A catch-up subscription over the global log with a stored checkpoint; call `start()`. */
  subscribe(
    name: string,
    handler: StoredEventHandler,
    options: EventSubscriptionOptions = {},
  ): EventSubscription {
    return new EventSubscription(this, name, handler, options);
  }

  /**
   * Wakes LISTENing subscriptions and relays. Deliberately NOT part of the append: a NOTIFY in a
   * transaction takes a cluster-wide lock from pre-commit until the commit record is flushed, which
   * serialises every notifying commit and defeats group commit (measured: 16 writers ran at the
   * speed of one). Instead, after the append commits, one NOTIFY in its own transaction with
   * `synchronous_commit = off` (a wake-up hint need not survive a crash), coalesced: while one is
   * in flight, further appends only mark another as due, and the next goes at most every
   * NOTIFY_SPACING_MS (under steady appends it ran back to back, about one per two appends, a
   * tenth of the writers' throughput measured). A lost hint costs at most one poll interval.
   */
  private signalAppended(): void {
    if (this.notifying) {
      this.notifyDue = true;
      return;
    }
    this.notifying = true;
    void (async () => {
      for (;;) {
        this.notifyDue = false;
        await this.database
          .query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')", [this.channel])
          .catch(() => {});
        if (!this.notifyDue) break;
        await new Promise((resolve) => setTimeout(resolve, NOTIFY_SPACING_MS).unref());
      }
      this.notifying = false;
    })();
  }

  private async existingIds(ids: readonly string[]): Promise<AppendResult | undefined> {
    const { rows } = await this.database.query(
      `SELECT e.event_id, s.version FROM "${this.schema}".events e JOIN "${this.schema}".streams s USING (aggregate_id)
       WHERE e.event_id = ANY($1::text[])`,
      [ids],
    );
    if (rows.length === 0) return undefined;
    if (rows.length === ids.length) {
      return { version: (rows[0] as { version: number }).version, appended: 0, duplicate: true };
    }
    const stored = (rows as { event_id: string }[]).map((r) => r.event_id);
    throw new IntelGraphError(
      'EVENT_INVALID',
      `some event ids of this append are already stored: ${stored.join(', ')}`,
      {
        input: ids,
        details: { stored },
      },
    );
  }

  private async isVersionConflict(append: ValidatedAppend): Promise<boolean> {
    if (append.expected === 'any') return false;
    return (await this.currentVersion(append.aggregateId)) !== append.expected;
  }

  private async conflict(append: ValidatedAppend, cause: unknown): Promise<IntelGraphError> {
    const actualVersion = await this.currentVersion(append.aggregateId);
    return new IntelGraphError(
      'CONCURRENCY_CONFLICT',
      `aggregate '${append.aggregateId}' is at version ${actualVersion}, not the expected ${String(append.expected)}`,
      {
        input: append.events.map((e) => e.id),
        cause,
        details: { aggregateId: append.aggregateId, expectedVersion: append.expected, actualVersion },
      },
    );
  }
}

function parseCursorOrThrow(cursor: string): { transactionId: string; position: string } {
  try {
    return parseCursor(cursor);
  } catch (cause) {
    throw new IntelGraphError('EVENT_INVALID', `cursor '${cursor}' is not one returned by the store`, {
      input: cursor,
      cause,
    });
  }
}
