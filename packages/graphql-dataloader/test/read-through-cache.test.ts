import { describe, expect, it } from 'vitest';
import { createEntityLoader, createRelationshipLoader, LoaderStats, shardRoutingBy } from '../src/index.js';
import { keyTags, MapCache, shardOfId } from './fixtures.js';

interface Row {
  id: string;
  v: number;
}

function counted() {
  const calls: Array<readonly string[]> = [];
  const batch = async (keys: readonly string[]) => {
    calls.push([...keys]);
    return keys.filter((k) => !k.endsWith(':missing')).map((id) => ({ id, v: id.length }));
  };
  return { calls, batch };
}

describe('read-through to a shared cache', () => {
  it('reads every key of a batch through the cache once, loads only the misses, stores them tagged', async () => {
    const cache = new MapCache<Row | null>();
    cache.data.set('e:t1:1', { id: 't1:1', v: 100 });
    const { calls, batch } = counted();
    const stats = new LoaderStats();
    const loader = createEntityLoader(batch, {
      name: 'e',
      cache: { store: cache, prefix: 'e:', ttlMs: 5000, tags: keyTags },
      metrics: stats,
    });
    const rows = await Promise.all(['t1:1', 't1:2', 't2:1'].map((id) => loader.load(id)));
    expect(rows).toEqual([
      { id: 't1:1', v: 100 },
      { id: 't1:2', v: 4 },
      { id: 't2:1', v: 4 },
    ]);
    expect(calls).toEqual([['t1:2', 't2:1']]);
    expect(cache.calls).toEqual([
      {
        keys: ['e:t1:1', 'e:t1:2', 'e:t2:1'],
        loaded: ['e:t1:2', 'e:t2:1'],
        stored: ['e:t1:2', 'e:t2:1'],
        ttlMs: 5000,
      },
    ]);
    // Each entry under the tags the loader names for its key (not its cache key).
    expect(cache.tagsOf.get('e:t1:2')).toEqual(['k:t1:2']);
    expect(stats.snapshot().e).toMatchObject({ cacheHits: 1, cacheMisses: 2, batches: 1 });
  });

  it('gives each key its own error, never stores one, and loads a failed key again next time', async () => {
    const cache = new MapCache<Row | null>();
    let fail = true;
    const loader = () =>
      createEntityLoader<string, Row>(
        async (keys) =>
          new Map(keys.map((id) => [id, id === 't1:bad' && fail ? new Error('bad row') : { id, v: 1 }])),
        { cache: { store: cache, prefix: 'e:', tags: keyTags } },
      );
    const first = loader();
    const [ok, bad] = await Promise.allSettled([first.load('t1:ok'), first.load('t1:bad')]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { id: 't1:ok', v: 1 } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'bad row' } });
    expect([...cache.data.keys()]).toEqual(['e:t1:ok']);
    fail = false;
    expect(await loader().load('t1:bad')).toEqual({ id: 't1:bad', v: 1 });
  });

  it('serves a second request entirely from the cache, with no batch call', async () => {
    const cache = new MapCache<Row | null>();
    const { calls, batch } = counted();
    const make = () => createEntityLoader(batch, { cache: { store: cache, prefix: 'e:', tags: keyTags } });
    await Promise.all(['t1:1', 't1:2'].map((id) => make().load(id)));
    const callsAfterFirst = calls.length;
    const second = make();
    expect(await Promise.all(['t1:1', 't1:2'].map((id) => second.load(id)))).toEqual([
      { id: 't1:1', v: 4 },
      { id: 't1:2', v: 4 },
    ]);
    expect(calls.length).toBe(callsAfterFirst);
  });

  it('does not cache a missing row (a later insert must be visible)', async () => {
    const cache = new MapCache<Row | null>();
    const { batch } = counted();
    const loader = createEntityLoader(batch, { cache: { store: cache, prefix: 'e:', tags: keyTags } });
    expect(await loader.load('t1:missing')).toBeNull();
    expect(cache.data.has('e:t1:missing')).toBe(false);
  });

  it('reads around a failing cache: loads from the database, and counts the failure', async () => {
    const cache = new MapCache<Row | null>();
    cache.failReads = true;
    const { calls, batch } = counted();
    const stats = new LoaderStats();
    const loader = createEntityLoader(batch, {
      name: 'e',
      cache: { store: cache, prefix: 'e:', tags: keyTags },
      metrics: stats,
    });
    expect(await loader.load('t1:1')).toEqual({ id: 't1:1', v: 4 });
    expect(calls).toEqual([['t1:1']]);
    expect(stats.snapshot().e).toMatchObject({ cacheFailures: 1, cacheMisses: 1, cacheHits: 0 });
  });

  it('combines with shard-aware batching: only the misses are routed', async () => {
    const cache = new MapCache<Row | null>();
    cache.data.set('e:t2:1', { id: 't2:1', v: 7 });
    const shardCalls: string[] = [];
    const loader = createEntityLoader<string, Row>(
      async (keys, ctx) => {
        shardCalls.push(ctx.shardId!);
        return keys.map((id) => ({ id, v: 1 }));
      },
      { shards: shardRoutingBy(shardOfId), cache: { store: cache, prefix: 'e:', tags: keyTags } },
    );
    const rows = await Promise.all(['t1:1', 't2:1', 't4:1'].map((id) => loader.load(id)));
    expect(rows.map((r) => r?.v)).toEqual([1, 7, 1]);
    expect(shardCalls.sort()).toEqual(['s1', 's3']);
  });

  it('caches relationship lists, empty ones included', async () => {
    const cache = new MapCache<readonly { parent: string; n: number }[]>();
    let calls = 0;
    const make = () =>
      createRelationshipLoader(
        async (parents: readonly string[]) => {
          calls += 1;
          return parents.filter((p) => p !== 'none').map((p) => ({ parent: p, n: 1 }));
        },
        { groupBy: (row) => row.parent, cache: { store: cache, prefix: 'rel:', tags: keyTags } },
      );
    await Promise.all(['a', 'none'].map((p) => make().load(p)));
    const before = calls;
    const again = make();
    expect(await Promise.all([again.load('a'), again.load('none')])).toEqual([[{ parent: 'a', n: 1 }], []]);
    expect(calls).toBe(before);
  });
});
