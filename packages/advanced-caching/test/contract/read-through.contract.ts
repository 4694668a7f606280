import { describe, expect, it } from 'vitest';
import type { BatchLoad, BatchMiss, MultiTierCache } from '../../src/index.js';

export interface ReadThroughFixture {
  readonly cache: MultiTierCache;
  /** A second instance on the same shared tier (another process's cache), when the layout has one. */
  readonly peer?: MultiTierCache;
  close(): Promise<void>;
}

interface Row {
  readonly id: string;
  readonly v: number;
  readonly extra?: string;
}

/** A load recording its calls, optionally held until `open()`. */
function recorder(answer: (key: string) => Row | Error | undefined = (key) => ({ id: key, v: 1 })) {
  const calls: string[][] = [];
  let gate: Promise<void> | undefined;
  let open = () => {};
  let failNext: Error | undefined;
  let during: (() => Promise<void>) | undefined;
  const load: BatchLoad<Row> = async (misses: readonly BatchMiss<Row>[]) => {
    calls.push(misses.map((m) => m.key));
    if (gate) await gate;
    if (during) await during();
    if (failNext) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    const out = new Map<string, Row | Error>();
    for (const { key } of misses) {
      const value = answer(key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  };
  return {
    calls,
    load,
    hold() {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    open: () => open(),
    failOnce(error: Error) {
      failNext = error;
    },
    whileLoading(fn: () => Promise<void>) {
      during = fn;
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await tick();
  }
}

/**
 * What `MultiTierCache.readThrough` promises on every layout (L1 only, L1 + Redis, Redis only, a
 * Redis Cluster): each implementation calls this with a factory giving a fresh cache (unique
 * prefix). The across-instances case runs when the fixture has a `peer` on the same Redis.
 */
export function runReadThroughContract(name: string, create: () => Promise<ReadThroughFixture>): void {
  describe(`readThrough contract: ${name}`, () => {
    const withCache = (fn: (fixture: ReadThroughFixture) => Promise<void>) => async () => {
      const fixture = await create();
      try {
        await fn(fixture);
      } finally {
        await fixture.close();
      }
    };

    it(
      'loads only the misses, once per distinct key, and answers in the order asked',
      withCache(async ({ cache }) => {
        await cache.set('a', { id: 'a', v: 0 }, { ttl: 60 });
        const r = recorder();
        const first = await cache.readThrough(['a', 'b', 'a', 'c'], r.load, { ttl: 60 });
        expect(first.values).toEqual([
          { id: 'a', v: 0 },
          { id: 'b', v: 1 },
          { id: 'a', v: 0 },
          { id: 'c', v: 1 },
        ]);
        expect(r.calls).toEqual([['b', 'c']]);
        expect(first).toMatchObject({ hits: 1, loaded: 2, shared: 0 });
        const second = await cache.readThrough(['c', 'b', 'a'], r.load, { ttl: 60 });
        expect(second.values.map((v) => (v as Row).id)).toEqual(['c', 'b', 'a']);
        expect(r.calls).toHaveLength(1);
        expect(second.hits).toBe(3);
        expect(await cache.readThrough([], r.load)).toEqual({ values: [], hits: 0, shared: 0, loaded: 0 });
        expect(r.calls).toHaveLength(1);
      }),
    );

    it(
      'returns a key’s own error and an absent key as undefined, storing neither',
      withCache(async ({ cache }) => {
        const r = recorder((key) =>
          key === 'bad' ? new Error(`no ${key}`) : key === 'gone' ? undefined : { id: key, v: 1 },
        );
        const { values } = await cache.readThrough(['ok', 'bad', 'gone'], r.load, { ttl: 60 });
        expect(values[0]).toEqual({ id: 'ok', v: 1 });
        expect(values[1]).toBeInstanceOf(Error);
        expect(values[2]).toBeUndefined();
        await cache.readThrough(['ok', 'bad', 'gone'], r.load, { ttl: 60 });
        expect(r.calls).toEqual([
          ['ok', 'bad', 'gone'],
          ['bad', 'gone'],
        ]);
      }),
    );

    it(
      'stores each value for its own TTL, and none with a TTL of 0',
      withCache(async ({ cache }) => {
        const r = recorder((key) => ({ id: key, v: key === 'keep' ? 60 : 0 }));
        const ttl = (row: Row) => row.v;
        await cache.readThrough(['keep', 'skip'], r.load, { ttl });
        await cache.readThrough(['keep', 'skip'], r.load, { ttl });
        expect(r.calls).toEqual([['keep', 'skip'], ['skip']]);
        const left = (cache.peek('keep')?.freshUntil ?? Date.now() + 60_000) - Date.now();
        expect(left).toBeGreaterThan(50_000);
      }),
    );

    it(
      'returns what a load read while its tags were invalidated, and stores none of it',
      withCache(async ({ cache }) => {
        const r = recorder();
        r.whileLoading(() => cache.invalidateByTag('Row:b'));
        const tags = (key: string) => [`Row:${key}`];
        const first = await cache.readThrough(['a', 'b'], r.load, { ttl: 60, tags });
        expect(first.values).toEqual([
          { id: 'a', v: 1 },
          { id: 'b', v: 1 },
        ]);
        r.whileLoading(async () => {});
        await cache.readThrough(['a', 'b'], r.load, { ttl: 60, tags });
        expect(r.calls).toEqual([['a', 'b'], ['b']]);
        // A later invalidation drops the stored entry.
        await cache.invalidateByTag('Row:a');
        await cache.readThrough(['a'], r.load, { ttl: 60, tags });
        expect(r.calls.at(-1)).toEqual(['a']);
      }),
    );

    it(
      'shares a cold key’s load between the concurrent callers of the process',
      withCache(async ({ cache }) => {
        const r = recorder();
        r.hold();
        const reads = Array.from({ length: 10 }, () => cache.readThrough(['k1', 'k2'], r.load, { ttl: 60 }));
        await until(() => r.calls.length >= 1);
        await tick();
        r.open();
        const results = await Promise.all(reads);
        expect(r.calls).toEqual([['k1', 'k2']]);
        for (const res of results)
          expect(res.values).toEqual([
            { id: 'k1', v: 1 },
            { id: 'k2', v: 1 },
          ]);
        expect(results.reduce((n, res) => n + res.shared, 0)).toBe(18);
      }),
    );

    it(
      'never shares an error: a caller whose shared load failed loads the key itself',
      withCache(async ({ cache }) => {
        const r = recorder();
        r.hold();
        r.failOnce(new Error('database down'));
        const owner = cache.readThrough(['k'], r.load, { ttl: 60 });
        await until(() => r.calls.length === 1);
        const joiner = cache.readThrough(['k'], r.load, { ttl: 60 });
        await tick();
        r.open();
        await expect(owner).rejects.toThrow('database down');
        expect((await joiner).values).toEqual([{ id: 'k', v: 1 }]);
        expect(r.calls).toEqual([['k'], ['k']]);
      }),
    );

    it(
      'loads again a cached value `usable` refuses, handing it to the load to merge',
      withCache(async ({ cache }) => {
        await cache.set('p', { id: 'p', v: 1 }, { ttl: 60 });
        const seen: Array<Row | undefined> = [];
        const load: BatchLoad<Row> = async (misses) => {
          for (const m of misses) seen.push(m.previous);
          return new Map(misses.map((m) => [m.key, { ...(m.previous ?? { id: m.key, v: 0 }), extra: 'x' }]));
        };
        const usable = (row: Row) => row.extra !== undefined;
        const { values } = await cache.readThrough(['p'], load, { ttl: 60, usable });
        expect(seen).toEqual([{ id: 'p', v: 1 }]);
        expect(values).toEqual([{ id: 'p', v: 1, extra: 'x' }]);
        expect((await cache.readThrough(['p'], load, { ttl: 60, usable })).hits).toBe(1);
        expect(seen).toHaveLength(1);
      }),
    );

    it(
      'loads a cold key asked of two instances at once once, when they share a tier',
      withCache(async ({ cache, peer }) => {
        if (!peer) return;
        const r = recorder();
        r.hold();
        const here = cache.readThrough(['cold1', 'cold2'], r.load, { ttl: 60 });
        await until(() => r.calls.length === 1);
        const there = peer.readThrough(['cold2', 'cold1'], r.load, { ttl: 60 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        r.open();
        const [a, b] = await Promise.all([here, there]);
        expect(r.calls).toEqual([['cold1', 'cold2']]);
        expect(b.values).toEqual([a.values[1], a.values[0]]);
        expect(b.hits).toBe(2);
        expect(peer.stats().stampedeWaits.distributed).toBeGreaterThanOrEqual(1);
      }),
    );
  });
}
