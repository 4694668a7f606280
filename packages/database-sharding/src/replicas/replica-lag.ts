/**
 * Replica lag from WAL positions instead of `now() - pg_last_xact_replay_timestamp()`: that
 * timestamp is the commit time of the last replayed transaction, so an idle primary makes a
 * perfectly caught-up replica look minutes behind, and the first write after a quiet spell looks
 * like a huge lag.
 *
 * Each health round samples the primary's current LSN. A replica whose replay LSN has reached
 * the newest sample has lag 0. Otherwise its lag is the time since the *first* sample it has not
 * replayed: the replica has been missing that WAL for at least that long. (A lower bound, accurate
 * to one health interval; an idle primary never produces a false lag.)
 */
export class ReplicaLagTracker {
  readonly #samples: Array<{ at: number; lsn: number }> = [];
  readonly #horizonMs: number;

  /** `horizonMs`: how far back samples are kept (beyond it a lag is reported as at least that). */
  constructor(horizonMs: number) {
    this.#horizonMs = horizonMs;
  }

  #lastSampleAt = 0;

  /** `at`: when the probe that read `lsn` was sent (so every commit before `at` is <= lsn). */
  recordPrimary(lsn: number, at: number): void {
    this.#lastSampleAt = Math.max(this.#lastSampleAt, at);
    const last = this.#samples.at(-1);
    // Only changes matter: keep the first time each LSN was seen.
    if (!last || lsn > last.lsn) this.#samples.push({ at, lsn });
    while (this.#samples.length > 2 && this.#samples[1]!.at < at - this.#horizonMs) this.#samples.shift();
  }

  /** Lag of a replica that has replayed up to `replayLsn`, at time `now`; undefined if no sample yet. */
  lagMs(replayLsn: number, now: number): number | undefined {
    const newest = this.#samples.at(-1);
    if (!newest) return undefined;
    if (replayLsn >= newest.lsn) return 0;
    // Samples are ordered by LSN: binary search the first one beyond replayLsn.
    let lo = 0;
    let hi = this.#samples.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#samples[mid]!.lsn > replayLsn) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(0, now - this.#samples[lo]!.at);
  }

  /**
   * A time T such that the replica has replayed everything the primary had committed at T
   * (undefined when unknown). Read-your-writes compares it with the time of a session's write.
   */
  syncedAt(replayLsn: number): number | undefined {
    const newest = this.#samples.at(-1);
    if (!newest) return undefined;
    if (replayLsn >= newest.lsn) return this.#lastSampleAt;
    let best: number | undefined;
    for (const sample of this.#samples) {
      if (sample.lsn > replayLsn) break;
      best = sample.at;
    }
    return best;
  }
}
