import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsistentHashRing, hash32 } from '../src/index.js';

const shardIdArb = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), {
  minLength: 1,
  maxLength: 12,
});

describe('ConsistentHashRing', () => {
  it('maps every key to exactly one configured shard, deterministically and whatever the shard order', () => {
    fc.assert(
      fc.property(shardIdArb, fc.array(fc.string(), { maxLength: 50 }), (ids, keys) => {
        const ring = new ConsistentHashRing(ids, 20);
        const shuffled = new ConsistentHashRing([...ids].reverse(), 20);
        for (const key of keys) {
          const owner = ring.lookup(key);
          expect(ids).toContain(owner);
          expect(ring.lookup(key)).toBe(owner);
          expect(shuffled.lookup(key)).toBe(owner);
        }
      }),
    );
  });

  it('adding a shard moves keys only to the new shard', () => {
    fc.assert(
      fc.property(
        shardIdArb,
        fc.stringMatching(/^new-[a-z0-9]{1,8}$/),
        fc.array(fc.string({ maxLength: 24 }), { minLength: 1, maxLength: 200 }),
        (ids, added, keys) => {
          const before = new ConsistentHashRing(ids, 30);
          const after = before.withShard(added);
          for (const key of keys) {
            const from = before.lookup(key);
            const to = after.lookup(key);
            if (from !== to) expect(to).toBe(added);
          }
        },
      ),
    );
  });

  it('moves about 1/(N+1) of the keys when a shard is added, and spreads keys evenly', () => {
    const ids = Array.from({ length: 9 }, (_, i) => `shard-${i}`);
    const before = new ConsistentHashRing(ids, 150);
    const after = before.withShard('shard-9');
    const keys = Array.from({ length: 50_000 }, (_, i) => `tenant-${i}`);
    const moved = keys.filter((k) => before.lookup(k) !== after.lookup(k)).length / keys.length;
    expect(moved).toBeGreaterThan(0.1 * 0.7);
    expect(moved).toBeLessThan(0.1 * 1.3);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(before.lookup(k), (counts.get(before.lookup(k)) ?? 0) + 1);
    const mean = keys.length / ids.length;
    expect(Math.max(...counts.values()) / mean).toBeLessThan(1.35);
    const shares = [...after.keyspaceShares().values()];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('has 150 virtual nodes per shard by default and refuses an empty or duplicate shard list', () => {
    expect(new ConsistentHashRing(['a']).virtualNodes).toBe(150);
    expect(() => new ConsistentHashRing([])).toThrow(RangeError);
    expect(() => new ConsistentHashRing(['a']).withShard('a')).toThrow(/already/);
  });

  it('hashes to well-spread unsigned 32-bit values', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => hash32(`k${i}`));
    for (const v of values) expect(v >>> 0).toBe(v);
    const buckets = new Array(16).fill(0);
    for (const v of values) buckets[v >>> 28]++;
    for (const b of buckets) expect(Math.abs(b - 625)).toBeLessThan(150);
  });
});
