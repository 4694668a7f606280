/**
 * When a session last wrote on a shard: the time it committed, and when known the primary's WAL
 * insert position just after the commit (bytes; every record of the transaction lies before it).
 */
export interface WriteMark {
  readonly at: number;
  readonly lsn?: number | undefined;
}

/**
 * Read-your-writes: after a write through a session, remember when it committed (and where in
 * the WAL, for transactions), per shard; later reads in that session only go to a replica known
 * to have replayed it, else to the primary. A replica qualifies when its replay position (from
 * its health probe) has reached the write's LSN, or when a primary sample taken after the write
 * shows it caught up (`syncedAt`). The LSN needs no primary sample after the write, so a
 * session that wrote just before its primary went away still reads its writes from a replica
 * that has replayed them. Keyed by the session object in a WeakMap, so it lives exactly as long
 * as the session that owns it.
 */
export class ReadYourWrites {
  readonly #writes = new WeakMap<object, Map<string, WriteMark>>();

  record(session: object, shardId: string, mark: WriteMark): void {
    let shards = this.#writes.get(session);
    if (!shards) {
      shards = new Map();
      this.#writes.set(session, shards);
    }
    shards.set(shardId, mark);
  }

  /** The session's last write on `shardId`, if it made one. */
  writtenAt(session: object | undefined, shardId: string): WriteMark | undefined {
    return session ? this.#writes.get(session)?.get(shardId) : undefined;
  }
}
