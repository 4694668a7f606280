import { IntelGraphError } from '@intelgraph/errors';
import type { EventSourcingStore } from './event-sourcing-store.js';
import { NotificationListener } from './notification-listener.js';
import { PollWait } from './poll-wait.js';
import { isPool } from './sql-database.js';
import { parseCursor, START_CURSOR, type StoredEvent } from './stored-event.js';

export type StoredEventHandler = (event: StoredEvent) => Promise<void> | void;

export interface EventSubscriptionOptions {
  /** Events read per round trip. Default 500. */
  readonly batchSize?: number;
  /** Poll interval when no notification arrives (and the only wake-up without LISTEN), ms. Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * Hold one connection to LISTEN for appends. Default true when the database is a pool.
   * Turn off on a single-connection server (PGlite through pglite-socket): polling alone then.
   */
  readonly listen?: boolean;
  /** Wait after a handler failure before handing the same event again, ms. Default 1000. */
  readonly retryDelayMs?: number;
  /** Called with each handler or database failure (the subscription keeps going). */
  readonly onError?: (error: unknown) => void;
}

export const EVENT_SUBSCRIPTION_DEFAULTS = {
  batchSize: 500,
  pollIntervalMs: 1000,
  retryDelayMs: 1000,
} as const;

/**
 * A catch-up subscription: hands every event of the global log, in order, to `handler`, and
 * stores its position (the checkpoint) under `name` after each batch, so a restart resumes where
 * it left off. Delivery is at least once: a crash between a handler and the checkpoint write hands
 * those events again, so handlers must be idempotent (the event id is stable).
 *
 * Woken by LISTEN/NOTIFY (appends notify in their transaction) with polling as the fallback; a
 * notification can arrive before the event is readable (an older transaction still running),
 * and the next poll or notification picks it up.
 */
export class EventSubscription {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly listen: boolean;
  private readonly wait = new PollWait();
  private readonly listener: NotificationListener;
  private running: Promise<void> | undefined;
  private dirty = true;
  private notified = false;
  private cursor = START_CURSOR;

  constructor(
    private readonly store: EventSourcingStore,
    readonly name: string,
    private readonly handler: StoredEventHandler,
    private readonly options: EventSubscriptionOptions = {},
  ) {
    this.batchSize = options.batchSize ?? EVENT_SUBSCRIPTION_DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? EVENT_SUBSCRIPTION_DEFAULTS.pollIntervalMs;
    this.retryDelayMs = options.retryDelayMs ?? EVENT_SUBSCRIPTION_DEFAULTS.retryDelayMs;
    this.listen = options.listen ?? isPool(store.database);
    this.listener = new NotificationListener(store.channel, () => this.poke());
  }

  /** Where this subscription has got to (its stored checkpoint once started). */
  get position(): string {
    return this.cursor;
  }

  /** Loads the checkpoint, starts listening and catching up; resolves once running. */
  async start(): Promise<void> {
    if (this.wait.stopped)
      throw new IntelGraphError('TRANSPORT_CLOSED', `subscription '${this.name}' was stopped`);
    if (this.running) return;
    const s = `"${this.store.schema}"`;
    const { rows } = await this.store.database.query(
      `SELECT transaction_id::text AS t, position::text AS p FROM ${s}.checkpoints WHERE subscription = $1`,
      [this.name],
    );
    const row = rows[0] as { t: string; p: string } | undefined;
    if (row) this.cursor = `${row.t}:${row.p}`;
    if (this.listen) await this.listener.start(this.store.database, this.options.onError);
    this.running = this.loop();
  }

  /** Stops after the handler in progress; the checkpoint keeps what was handled. */
  async stop(): Promise<void> {
    this.wait.stop();
    await this.running;
    await this.listener.stop();
  }

  private poke(): void {
    this.dirty = true;
    this.notified = true;
    this.wait.wake();
  }

  private async loop(): Promise<void> {
    let stall = 0;
    while (!this.wait.stopped) {
      this.dirty = false;
      let read = 0;
      try {
        read = await this.catchUpOnce();
      } catch (error) {
        this.options.onError?.(error);
        await this.wait.sleep(this.retryDelayMs);
        continue;
      }
      if (read === this.batchSize || this.dirty) continue;
      if (read === 0 && this.notified) {
        // Notified, yet nothing readable: an older transaction somewhere on the server still
        // runs, holding the visible horizon back. Look again soon, backing off to the poll interval.
        stall = Math.min(this.pollIntervalMs, stall === 0 ? 20 : stall * 2);
        await this.wait.sleep(stall);
        continue;
      }
      this.notified = false;
      stall = 0;
      await this.wait.sleep(this.pollIntervalMs);
    }
  }

  /** One batch: handle in order, then store the checkpoint. Returns how many events it read. */
  private async catchUpOnce(): Promise<number> {
    const { events } = await this.store.readAll({ after: this.cursor, limit: this.batchSize });
    let handled = this.cursor;
    let failure: unknown;
    for (const event of events) {
      if (this.wait.stopped) break;
      try {
        await this.handler(event);
      } catch (error) {
        failure = error;
        break;
      }
      handled = event.cursor;
    }
    if (handled !== this.cursor) await this.saveCheckpoint(handled);
    if (failure !== undefined) throw failure;
    return events.length;
  }

  private async saveCheckpoint(cursor: string): Promise<void> {
    const { transactionId, position } = parseCursor(cursor);
    await this.store.database.query(
      `INSERT INTO "${this.store.schema}".checkpoints (subscription, transaction_id, position)
       VALUES ($1, $2::text::xid8, $3::bigint)
       ON CONFLICT (subscription) DO UPDATE SET transaction_id = excluded.transaction_id,
         position = excluded.position, updated_at = now()`,
      [this.name, transactionId, position],
    );
    this.cursor = cursor;
  }
}
