import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { MultiTierCache } from '../src/index.js';
import { resolveCacheOptions } from '../src/options/cache-options.js';

describe('options', () => {
  it('declares every default in one place', () => {
    const o = resolveCacheOptions({});
    expect(o).toMatchObject({
      name: 'default',
      prefix: 'ig:cache',
      l1: { enabled: true, maxSize: 10_000, maxBytes: undefined, ttlMs: 300_000 },
      l2: { enabled: false, redis: undefined, ttlMs: 3_600_000, timeoutMs: 500 },
      defaultTtlMs: 3_600_000,
      graceMs: 0,
      stampedePrevention: true,
      lockLeaseMs: 10_000,
      earlyRefreshBeta: 0,
      compressionThreshold: 1024,
      compressionAlgorithm: 'deflate',
      failureThreshold: 3,
      maxKeyLength: 1024,
      crossInstanceInvalidation: false,
    });
  });

  it.each([
    ['l1.maxSize', { l1: { maxSize: 0 } }],
    ['l1.maxSize', { l1: { maxSize: 1.5 } }],
    ['l1.ttl', { l1: { ttl: -1 } }],
    ['defaultTTL', { defaultTTL: Number.NaN }],
    ['grace', { grace: -5 }],
    ['l2.redis', { l2: { enabled: true } }],
    ['l2.redis', { l2: { redis: {} as never } }],
    ['prefix', { prefix: 'has spaces' }],
    ['compression.algorithm', { compression: { algorithm: 'zstd' as never } }],
    ['serializer', { serializer: { serialize: 'no' } as never }],
  ])('rejects a bad %s with CONFIG_INVALID naming the field', (field, options) => {
    let error: unknown;
    try {
      new MultiTierCache(options);
    } catch (e) {
      error = e;
    }
    expect(IntelGraphError.is(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as IntelGraphError).details.field).toBe(field);
    expect((error as Error).message).toContain(field);
  });

  it('rejects a bad per-call ttl', async () => {
    const cache = new MultiTierCache();
    await expect(cache.set('k', 1, { ttl: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(cache.getOrSet('k', () => 1, { ttl: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('keys and tags', () => {
  const cache = new MultiTierCache({ maxKeyLength: 16 });

  const badKeys: [unknown, string][] = [
    ['', 'empty'],
    ['x'.repeat(17), 'too long'],
    [42, 'not a string'],
  ];
  it.each(badKeys)('rejects key %j (%s)', async (key) => {
    await expect(cache.getOrSet(key as string, () => 1)).rejects.toMatchObject({ code: 'CACHE_KEY_INVALID' });
    await expect(cache.get(key as string)).rejects.toMatchObject({ code: 'CACHE_KEY_INVALID' });
    await expect(cache.set(key as string, 1)).rejects.toMatchObject({ code: 'CACHE_KEY_INVALID' });
    await expect(cache.mget(['ok', key as string])).rejects.toMatchObject({ code: 'CACHE_KEY_INVALID' });
    await expect(cache.delete(key as string)).rejects.toMatchObject({ code: 'CACHE_KEY_INVALID' });
  });

  it('accepts a key of exactly the maximum length', async () => {
    await cache.set('x'.repeat(16), 'ok');
    expect(await cache.get('x'.repeat(16))).toBe('ok');
  });

  it.each([['has space'], ['a,b'], [''], ['é'], ['x'.repeat(257)]])('rejects tag %j', async (tag) => {
    await expect(cache.set('k', 1, { tags: [tag] })).rejects.toMatchObject({ code: 'CACHE_TAG_INVALID' });
    await expect(cache.invalidateByTag(tag)).rejects.toMatchObject({ code: 'CACHE_TAG_INVALID' });
  });
});
