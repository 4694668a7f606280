/**
 * One read-your-writes session per caller (tenant + user), shared by that caller's requests: the
 * distributor remembers, per session object, when it last wrote on each shard, and then reads
 * only from replicas that have replayed that write. Keyed per caller rather than per request, so
 * a mutation followed by a query (two requests) still reads its own write, while other callers
 * keep reading from replicas. Bounded LRU: the oldest callers are forgotten first (they then read
 * from any fresh-enough replica, as a new caller would).
 */
export class SessionRegistry {
  readonly #max: number;
  readonly #sessions = new Map<string, object>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  sessionOf(tenantId: string, userId: string | undefined): object {
    const key = `${tenantId}\u0000${userId ?? ''}`;
    let session = this.#sessions.get(key);
    if (session) {
      this.#sessions.delete(key);
    } else {
      session = {};
      if (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    this.#sessions.set(key, session);
    return session;
  }
}
