import { hash32 } from './hash32.js';

/**
 * A consistent-hash ring: each shard owns `virtualNodes` points (hash of `<shardId>#<i>`); a key
 * belongs to the first point clockwise from its hash. Points live in a sorted `Uint32Array` with
 * a parallel owner index, so a lookup is one hash plus a binary search over typed memory.
 *
 * Adding a shard only inserts its points: every key that changes owner moves *to* the new shard,
 * about 1/(N+1) of the keyspace.
 */
export class ConsistentHashRing {
  readonly shardIds: readonly string[];
  readonly virtualNodes: number;
  readonly #points: Uint32Array;
  readonly #owners: Uint32Array;

  constructor(shardIds: readonly string[], virtualNodes = 150) {
    if (shardIds.length === 0) throw new RangeError('a ring needs at least one shard');
    this.shardIds = [...shardIds];
    this.virtualNodes = virtualNodes;
    const entries: Array<{ point: number; owner: number }> = [];
    this.shardIds.forEach((id, owner) => {
      for (let i = 0; i < virtualNodes; i++) entries.push({ point: hash32(`${id}#${i}`), owner });
    });
    // Ties (two shards on one point) go to the smaller shard id, so the ring does not depend on
    // the order shards were listed in.
    entries.sort(
      (a, b) =>
        a.point - b.point ||
        (this.shardIds[a.owner]! < this.shardIds[b.owner]!
          ? -1
          : this.shardIds[a.owner]! > this.shardIds[b.owner]!
            ? 1
            : 0),
    );
    this.#points = Uint32Array.from(entries, (e) => e.point);
    this.#owners = Uint32Array.from(entries, (e) => e.owner);
  }

  /** Index (in `shardIds`) of the shard owning `key`. */
  ownerIndex(key: string): number {
    const h = hash32(key);
    const points = this.#points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === points.length ? 0 : lo]!;
  }

  /** Id of the shard owning `key`. */
  lookup(key: string): string {
    return this.shardIds[this.ownerIndex(key)]!;
  }

  /** A new ring with one more shard (same virtual nodes). */
  withShard(shardId: string): ConsistentHashRing {
    if (this.shardIds.includes(shardId)) throw new RangeError(`shard '${shardId}' is already on the ring`);
    return new ConsistentHashRing([...this.shardIds, shardId], this.virtualNodes);
  }

  /** Share of the 2^32 keyspace each shard owns (sums to 1). */
  keyspaceShares(): Map<string, number> {
    const shares = new Map<string, number>(this.shardIds.map((id) => [id, 0]));
    const points = this.#points;
    const n = points.length;
    for (let i = 0; i < n; i++) {
      // Point i owns the arc (previous point, point i].
      const prev = i === 0 ? points[n - 1]! - 2 ** 32 : points[i - 1]!;
      const id = this.shardIds[this.#owners[i]!]!;
      shares.set(id, shares.get(id)! + (points[i]! - prev) / 2 ** 32);
    }
    return shares;
  }
}
