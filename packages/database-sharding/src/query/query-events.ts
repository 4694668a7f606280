import diagnostics_channel from 'node:diagnostics_channel';

/** Reported for every statement the distributor runs (including BEGIN/COMMIT of transactions). */
export interface QueryEvent {
  readonly shardId: string;
  /** `<shardId>/primary` or `<shardId>/replica-<n>`. */
  readonly node: string;
  readonly target: 'primary' | 'replica';
  readonly sql: string;
  readonly paramCount: number;
  readonly durationMs: number;
  readonly rowCount: number | null;
  /** Set when the statement failed (it may then be retried on another node: a second event). */
  readonly error?: Error;
  /** The call that ran it. */
  readonly operation: 'executeOnShard' | 'broadcast' | 'transaction' | 'eachShard';
}

export type QueryListener = (event: QueryEvent) => void;

/** `diagnostics_channel` name carrying the same QueryEvent objects, for tracers and tests. */
export const QUERY_CHANNEL = 'intelgraph:database-sharding:query';

/**
 * Fan-out of QueryEvents to `onQuery` listeners and the diagnostics channel. Building the event
 * is skipped entirely when nobody listens.
 */
export class QueryEvents {
  readonly #listeners = new Set<QueryListener>();
  readonly #channel = diagnostics_channel.channel(QUERY_CHANNEL);

  get active(): boolean {
    return this.#listeners.size > 0 || this.#channel.hasSubscribers;
  }

  on(listener: QueryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: QueryEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing observer must never fail the query it observes.
      }
    }
    if (this.#channel.hasSubscribers) this.#channel.publish(event);
  }
}
