/**
 * Read-your-writes: after a write through a session, remember when it committed, per shard;
 * later reads in that session only go to a replica known (from a health probe sent after that
 * moment) to have replayed it, else to the primary. No extra round trip: the health loop already
 * samples the primary's WAL position and each replica's replay position. Keyed by the session
 * object in a WeakMap, so it lives exactly as long as the request that owns it.
 */
export class ReadYourWrites {
  readonly #writes = new WeakMap<object, Map<string, number>>();

  record(session: object, shardId: string, at: number): void {
    let shards = this.#writes.get(session);
    if (!shards) {
      shards = new Map();
      this.#writes.set(session, shards);
    }
    shards.set(shardId, at);
  }

  /** When the session last wrote on `shardId`, if it did. */
  writtenAt(session: object | undefined, shardId: string): number | undefined {
    return session ? this.#writes.get(session)?.get(shardId) : undefined;
  }
}
