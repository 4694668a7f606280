import { describe, expect, it } from 'vitest';
import { CacheInvalidator, type CdnInvalidationTarget, MultiTierCache } from '../src/index.js';

function fakeCdn() {
  const calls: { paths: string[][]; tags: string[][] } = { paths: [], tags: [] };
  const cdn: CdnInvalidationTarget = {
    invalidatePaths: async (paths) => {
      calls.paths.push([...paths]);
    },
    invalidateTags: async (tags) => {
      calls.tags.push([...tags]);
    },
  };
  return { cdn, calls };
}

describe('CacheInvalidator (L1 only)', () => {
  it('invalidates dependents transitively, and stops on cycles', async () => {
    const cache = new MultiTierCache();
    const inv = new CacheInvalidator(cache);
    await cache.mset(
      ['entity:456', 'investigation:123', 'report:9', 'unrelated'].map((key) => ({ key, value: key })),
    );
    await inv.registerDependency('investigation:123', 'entity:456');
    await inv.registerDependency('report:9', 'investigation:123');
    await inv.registerDependency('entity:456', 'report:9'); // a cycle
    const deleted = await inv.invalidate('entity:456');
    expect(new Set(deleted)).toEqual(new Set(['entity:456', 'investigation:123', 'report:9']));
    expect(await cache.mget(['entity:456', 'investigation:123', 'report:9', 'unrelated'])).toEqual([
      undefined,
      undefined,
      undefined,
      'unrelated',
    ]);
  });

  it('handleEvent invalidates keys, tags (cache and CDN) and CDN paths, with per-type rules', async () => {
    const cache = new MultiTierCache();
    const { cdn, calls } = fakeCdn();
    const inv = new CacheInvalidator(cache, undefined, { cdn });
    inv.on('EntityUpdated', (event) => ({ tags: [`entity:${(event as { entityId?: string }).entityId}`] }));
    await cache.set('entity:456', 'v', { tags: ['entity:456'] });
    await cache.set('search:acme', 'results', { tags: ['entity:456', 'search'] });
    await cache.set('user:1', 'u');
    const result = await inv.handleEvent({
      type: 'EntityUpdated',
      id: 'evt-1',
      entityId: '456',
      keys: ['user:1'],
      paths: ['/api/entities/456'],
    } as never);
    expect(result).toMatchObject({ duplicate: false, tags: ['entity:456'], paths: ['/api/entities/456'] });
    expect(await cache.mget(['entity:456', 'search:acme', 'user:1'])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(calls.tags).toEqual([['entity:456']]);
    expect(calls.paths).toEqual([['/api/entities/456']]);
  });

  it('a redelivered event (same id) has no second effect', async () => {
    const cache = new MultiTierCache();
    const { cdn, calls } = fakeCdn();
    const inv = new CacheInvalidator(cache, undefined, { cdn });
    await inv.handleEvent({ type: 'X', id: 'evt-1', tags: ['t'] });
    await cache.set('k', 'written after the event', { tags: ['t'] });
    const again = await inv.handleEvent({ type: 'X', id: 'evt-1', tags: ['t'] });
    expect(again.duplicate).toBe(true);
    expect(await cache.get('k')).toBe('written after the event');
    expect(calls.tags).toHaveLength(1);
  });

  it('rejects a malformed event or bad tags', async () => {
    const inv = new CacheInvalidator(new MultiTierCache());
    await expect(inv.handleEvent({} as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(inv.handleEvent({ type: 'X', tags: ['bad tag'] })).rejects.toMatchObject({
      code: 'CACHE_TAG_INVALID',
    });
  });
});
