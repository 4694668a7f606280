import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { CacheWarmer, MultiTierCache } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CacheWarmer', () => {
  it('loads every key with bounded parallelism and overwrites what is cached', async () => {
    const cache = new MultiTierCache();
    await cache.set('entity:1', 'stale');
    const warmer = new CacheWarmer(cache);
    let running = 0;
    let peak = 0;
    warmer.registerStrategy('popular-entities', {
      keys: Array.from({ length: 30 }, (_, i) => `entity:${i}`),
      loader: async (key) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return `fresh ${key}`;
      },
      parallel: 10,
      tags: ['entities'],
    });
    const report = await warmer.runNow('popular-entities');
    expect(report).toMatchObject({ strategy: 'popular-entities', keys: 30, loaded: 30, failed: 0 });
    expect(peak).toBe(10);
    expect(await cache.get('entity:1')).toBe('fresh entity:1');
    expect(await cache.get('entity:29')).toBe('fresh entity:29');
    await cache.invalidateByTag('entities');
    expect(await cache.get('entity:1')).toBeUndefined();
  });

  it('reports failing keys and still loads the others', async () => {
    const cache = new MultiTierCache();
    const warmer = new CacheWarmer(cache);
    warmer.registerStrategy('s', {
      keys: async () => ['a', 'b', 'c'],
      loader: (key) => (key === 'b' ? Promise.reject(new Error('no b')) : key.toUpperCase()),
    });
    const report = await warmer.runNow('s');
    expect(report).toMatchObject({ keys: 3, loaded: 2, failed: 1 });
    expect(report.errors[0]?.key).toBe('b');
    expect(await cache.mget(['a', 'b', 'c'])).toEqual(['A', undefined, 'C']);
    expect(warmer.lastReport('s')).toBe(report);
  });

  it('does not run a strategy twice at once: a second runNow joins the first', async () => {
    const warmer = new CacheWarmer(new MultiTierCache());
    let calls = 0;
    warmer.registerStrategy('s', {
      keys: ['k'],
      loader: async () => {
        calls++;
        await sleep(20);
        return 1;
      },
    });
    const [r1, r2] = await Promise.all([warmer.runNow('s'), warmer.runNow('s')]);
    expect(r1).toBe(r2);
    expect(calls).toBe(1);
  });

  it('runs on its cron schedule until stopped', async () => {
    const cache = new MultiTierCache();
    const warmer = new CacheWarmer(cache);
    let runs = 0;
    warmer.registerStrategy('every-second', {
      keys: ['tick'],
      loader: () => ++runs,
      schedule: '* * * * * *',
    });
    expect(warmer.nextRun('every-second')).toBeInstanceOf(Date);
    await sleep(2300);
    warmer.stop();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(await cache.get('tick')).toBe(seen);
    await sleep(1200);
    expect(runs).toBe(seen);
  });

  it('rejects an unknown or duplicate strategy name, a bad schedule and bad parallelism', async () => {
    const warmer = new CacheWarmer(new MultiTierCache());
    await expect(warmer.runNow('nope')).rejects.toMatchObject({ code: 'CACHE_STRATEGY_UNKNOWN' });
    warmer.registerStrategy('s', { keys: [], loader: () => 1 });
    const codeOf = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        return IntelGraphError.is(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(codeOf(() => warmer.registerStrategy('s', { keys: [], loader: () => 1 }))).toBe(
      'CACHE_STRATEGY_UNKNOWN',
    );
    expect(
      codeOf(() => warmer.registerStrategy('t', { keys: [], loader: () => 1, schedule: 'not cron' })),
    ).toBe('CONFIG_INVALID');
    expect(codeOf(() => warmer.registerStrategy('u', { keys: [], loader: () => 1, parallel: 0 }))).toBe(
      'CONFIG_INVALID',
    );
    expect(await warmer.runNow('s')).toMatchObject({ keys: 0, loaded: 0 });
  });
});
