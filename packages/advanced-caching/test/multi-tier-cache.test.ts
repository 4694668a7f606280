import { describe, expect, it } from 'vitest';
import { MultiTierCache } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('MultiTierCache (L1 only)', () => {
  it('gets what was set, and misses what was not', async () => {
    const cache = new MultiTierCache();
    await cache.set('user:1', { name: 'Ada' });
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    expect(await cache.get('user:2')).toBeUndefined();
  });

  it('calls the loader once for 1,000 concurrent getOrSet on a cold key', async () => {
    const cache = new MultiTierCache();
    const gate = deferred<string>();
    let calls = 0;
    const all = Array.from({ length: 1000 }, () =>
      cache.getOrSet('cold', () => {
        calls++;
        return gate.promise;
      }),
    );
    gate.resolve('loaded');
    expect(new Set(await Promise.all(all))).toEqual(new Set(['loaded']));
    expect(calls).toBe(1);
    expect(cache.stats().stampedeWaits.local).toBe(999);
    expect(await cache.getOrSet('cold', () => 'again')).toBe('loaded');
  });

  it('shares a loader failure with every waiter, and tries again on the next call', async () => {
    const cache = new MultiTierCache();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('db down'));
    };
    const results = await Promise.allSettled([cache.getOrSet('k', failing), cache.getOrSet('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await cache.getOrSet('k', () => 'ok')).toBe('ok');
    expect(cache.stats().loaderErrors).toBe(1);
  });

  it('reloads after the TTL', async () => {
    const cache = new MultiTierCache();
    let n = 0;
    const load = () => ++n;
    expect(await cache.getOrSet('k', load, { ttl: 0.05 })).toBe(1);
    expect(await cache.getOrSet('k', load, { ttl: 0.05 })).toBe(1);
    await sleep(80);
    expect(await cache.getOrSet('k', load, { ttl: 0.05 })).toBe(2);
  });

  it('within grace serves the stale value while one refresh runs', async () => {
    const cache = new MultiTierCache({ grace: 60 });
    expect(await cache.getOrSet('k', () => 'v1', { ttl: 0.03 })).toBe('v1');
    await sleep(60);
    const refresh = deferred<string>();
    let calls = 0;
    const loader = () => {
      calls++;
      return refresh.promise;
    };
    expect(await cache.getOrSet('k', loader, { ttl: 10 })).toBe('v1');
    expect(await cache.getOrSet('k', loader, { ttl: 10 })).toBe('v1');
    expect(calls).toBe(1);
    refresh.resolve('v2');
    await sleep(10);
    expect(await cache.getOrSet('k', loader, { ttl: 10 })).toBe('v2');
    expect(cache.stats().staleServed).toBe(2);
  });

  it('within grace keeps serving the stale value when the loader fails, and counts the error', async () => {
    const cache = new MultiTierCache({ grace: 60, graceBackoff: 0 });
    await cache.getOrSet('k', () => 'old', { ttl: 0.03 });
    await sleep(60);
    const boom = () => Promise.reject(new Error('source down'));
    expect(await cache.getOrSet('k', boom)).toBe('old');
    await sleep(10);
    expect(await cache.getOrSet('k', boom)).toBe('old');
    await sleep(10);
    expect(cache.stats().loaderErrors).toBe(2);
    expect(await cache.get('k')).toBeUndefined(); // get() never serves stale
  });

  it('does not call the loader again during the grace backoff after a failure', async () => {
    const cache = new MultiTierCache({ grace: 60, graceBackoff: 60 });
    await cache.getOrSet('k', () => 'old', { ttl: 0.03 });
    await sleep(60);
    let calls = 0;
    const boom = () => {
      calls++;
      return Promise.reject(new Error('x'));
    };
    await cache.getOrSet('k', boom);
    await sleep(10);
    await cache.getOrSet('k', boom);
    await cache.getOrSet('k', boom);
    expect(calls).toBe(1);
  });

  it('without grace, a loader failure reaches the caller', async () => {
    const cache = new MultiTierCache();
    await expect(cache.getOrSet('k', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
  });

  it('invalidates by tag, leaving untagged and other-tagged entries', async () => {
    const cache = new MultiTierCache();
    await cache.set('u1', 1, { tags: ['users'] });
    await cache.set('u2', 2, { tags: ['users', 'admins'] });
    await cache.set('e1', 3, { tags: ['entities'] });
    await cache.set('plain', 4);
    await cache.invalidateByTag('users');
    expect(await cache.mget(['u1', 'u2', 'e1', 'plain'])).toEqual([undefined, undefined, 3, 4]);
    await cache.set('u1', 5, { tags: ['users'] });
    expect(await cache.get('u1')).toBe(5);
  });

  it('does not keep a value whose tag was invalidated while it was loading', async () => {
    const cache = new MultiTierCache();
    const gate = deferred<string>();
    const pending = cache.getOrSet('k', () => gate.promise, { tags: ['t'] });
    await sleep(5);
    await cache.invalidateByTag('t');
    gate.resolve('loaded before the change');
    expect(await pending).toBe('loaded before the change');
    expect(await cache.getOrSet('k', () => 'fresh', { tags: ['t'] })).toBe('fresh');
  });

  it('drops a fenced set/mset whose tag was invalidated after the fence, keeps the others', async () => {
    const cache = new MultiTierCache();
    const fence = await cache.fence(['t', 'u']);
    await cache.invalidateByTag('t');
    await cache.mset([
      { key: 'read-before-t-changed', value: 'old', tags: ['t'], fence },
      { key: 'u-unchanged', value: 'ok', tags: ['u'], fence },
    ]);
    expect(await cache.mget(['read-before-t-changed', 'u-unchanged'])).toEqual([undefined, 'ok']);
    expect(cache.stats().fencedWrites).toBe(1);
    // A fence taken after the invalidation lets the value in.
    await cache.set('read-before-t-changed', 'new', { tags: ['t'], fence: await cache.fence(['t']) });
    expect(await cache.get('read-before-t-changed')).toBe('new');
  });

  it('judges a tag the fence did not list by time: bumped after it (within the skew) drops the write', async () => {
    const cache = new MultiTierCache();
    await cache.invalidateByTag('old');
    await sleep(20);
    const fence = await cache.fence([], 10);
    await cache.invalidateByTag('new');
    await cache.set('a', 1, { tags: ['new'], fence });
    await cache.set('b', 2, { tags: ['old', 'never-bumped'], fence });
    expect(await cache.mget(['a', 'b'])).toEqual([undefined, 2]);
  });

  it('mget answers in order; mset stores all or nothing', async () => {
    const cache = new MultiTierCache();
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: { two: 2 }, tags: ['x'] },
    ]);
    expect(await cache.mget(['b', 'missing', 'a'])).toEqual([{ two: 2 }, undefined, 1]);
    await expect(
      cache.mset([
        { key: 'c', value: 3 },
        { key: 'd', value: { fn: () => 4 } },
      ]),
    ).rejects.toMatchObject({ code: 'CACHE_VALUE_NOT_SERIALIZABLE' });
    expect(await cache.mget(['c', 'd'])).toEqual([undefined, undefined]);
  });

  it('a loader value that cannot be serialized is refused and not cached', async () => {
    const cache = new MultiTierCache();
    await expect(cache.getOrSet('k', () => ({ id: 1n }))).rejects.toMatchObject({
      code: 'CACHE_VALUE_NOT_SERIALIZABLE',
    });
    expect(await cache.get('k')).toBeUndefined();
  });

  it('deletes one or many keys', async () => {
    const cache = new MultiTierCache();
    await cache.mset(['a', 'b', 'c'].map((key) => ({ key, value: key })));
    await cache.delete('a');
    await cache.delete(['b']);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 'c']);
  });

  it('clears a namespace by version bump, leaving other namespaces', async () => {
    const cache = new MultiTierCache();
    const apq = cache.namespace('apq');
    const responses = cache.namespace('responses');
    await apq.set('q1', 'query one');
    await responses.set('q1', 'response one');
    expect(await cache.get('apq:q1')).toBe('query one');
    await apq.clear();
    expect(await apq.get('q1')).toBeUndefined();
    expect(await responses.get('q1')).toBe('response one');
    expect(await apq.getOrSet('q1', () => 'reloaded')).toBe('reloaded');
  });

  it('refreshes a hot key early with XFetch, serving the current value meanwhile', async () => {
    const cache = new MultiTierCache({ earlyRefreshBeta: 1e9 });
    let n = 0;
    const loader = async () => {
      await sleep(2);
      return ++n;
    };
    expect(await cache.getOrSet('hot', loader, { ttl: 60 })).toBe(1);
    expect(await cache.getOrSet('hot', loader, { ttl: 60 })).toBe(1);
    await sleep(20);
    expect(await cache.getOrSet('hot', loader, { ttl: 60 })).toBe(2);
    expect(cache.stats().earlyRefreshes).toBeGreaterThanOrEqual(1);
  });

  it('never refreshes early when XFetch is off', async () => {
    const cache = new MultiTierCache();
    let n = 0;
    const loader = async () => {
      await sleep(2);
      return ++n;
    };
    for (let i = 0; i < 20; i++) await cache.getOrSet('hot', loader, { ttl: 60 });
    expect(n).toBe(1);
  });

  it('counts hits and misses per tier', async () => {
    const cache = new MultiTierCache();
    await cache.getOrSet('a', () => 1);
    await cache.getOrSet('a', () => 1);
    await cache.get('b');
    const s = cache.stats();
    expect(s.hits.l1).toBe(1);
    expect(s.misses.l1).toBe(2);
    expect(s.loaderCalls).toBe(1);
    expect(s.hitRate).toBeCloseTo(1 / 3);
  });

  it('bounds L1 and counts evictions', async () => {
    const cache = new MultiTierCache({ l1: { maxSize: 10 } });
    for (let i = 0; i < 25; i++) await cache.set(`k${i}`, i);
    expect(cache.stats().evictions).toBe(15);
    expect(cache.stats().l1.entries).toBe(10);
  });
});
