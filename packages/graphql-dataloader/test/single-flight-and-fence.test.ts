import { describe, expect, it } from 'vitest';
import { createEntityLoader, LoaderStats } from '../src/index.js';
import { deferred, keyTags, MapCache } from './fixtures.js';

interface Row {
  id: string;
  v: number;
}

/** A batch function held until `release`, counting its calls. */
function held() {
  const calls: Array<readonly string[]> = [];
  const gate = deferred();
  let fail: ((id: string) => Error | undefined) | undefined;
  const batch = async (keys: readonly string[]) => {
    calls.push([...keys]);
    await gate.promise;
    const failure = keys.map((k) => fail?.(k)).find((e) => e !== undefined);
    if (failure) throw failure;
    return keys.filter((k) => !k.endsWith(':missing')).map((id) => ({ id, v: calls.length }));
  };
  return {
    calls,
    batch,
    release: () => gate.resolve(),
    failWith: (f: (id: string) => Error | undefined) => {
      fail = f;
    },
  };
}

/** MapCache with a write fence: `invalidate(tag, key)` drops writes of loads fenced before it. */
class FencedMapCache<V> extends MapCache<V> {
  readonly versions = new Map<string, number>();
  fenceFails = false;

  invalidate(tag: string, key: string): void {
    this.versions.set(tag, (this.versions.get(tag) ?? 0) + 1);
    this.data.delete(key);
  }

  async fence(tags: readonly string[]): Promise<Map<string, number>> {
    if (this.fenceFails) throw new Error('cache down');
    return new Map(tags.map((t) => [t, this.versions.get(t) ?? 0]));
  }

  override async mset(
    entries: ReadonlyArray<{ key: string; value: V; tags: readonly string[] }>,
    options: { ttlMs: number; fence?: unknown },
  ): Promise<void> {
    const fence = options.fence as Map<string, number> | undefined;
    await super.mset(
      entries.filter((e) => !fence || e.tags.every((t) => fence.get(t) === (this.versions.get(t) ?? 0))),
      options,
    );
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('single-flight across requests', () => {
  it('concurrent requests (separate loaders) for the same cold key share one load', async () => {
    const cache = new MapCache<Row | null>();
    const { calls, batch, release } = held();
    const stats = new LoaderStats();
    const make = () =>
      createEntityLoader(batch, {
        name: 'e',
        cache: { store: cache, prefix: 'e:', tags: keyTags },
        metrics: stats,
      });
    const loads = Array.from({ length: 10 }, () => make().load('t1:1'));
    await tick();
    release();
    const rows = await Promise.all(loads);
    for (const row of rows) expect(row).toEqual({ id: 't1:1', v: 1 });
    expect(calls).toEqual([['t1:1']]);
    expect(cache.calls.filter((c) => c.op === 'mset')).toHaveLength(1);
    expect(stats.snapshot().e).toMatchObject({ cacheMisses: 10, shardQueries: 1 });
  });

  it('a request joins only the keys in flight and loads the others itself', async () => {
    const cache = new MapCache<Row | null>();
    const { calls, batch, release } = held();
    const make = () => createEntityLoader(batch, { cache: { store: cache, prefix: 'e:', tags: keyTags } });
    const first = make().load('t1:1');
    await tick();
    const second = make().loadMany(['t1:1', 't1:2', 't1:missing']);
    await tick();
    release();
    expect(await first).toEqual({ id: 't1:1', v: 2 });
    expect(await second).toEqual([{ id: 't1:1', v: 2 }, { id: 't1:2', v: 2 }, null]);
    expect(calls).toEqual([['t1:1'], ['t1:2', 't1:missing']]);
  });

  it('does not share between loaders with different prefixes, nor without a cache', async () => {
    const cache = new MapCache<Row | null>();
    const { calls, batch, release } = held();
    const loads = [
      createEntityLoader(batch, { cache: { store: cache, prefix: 'a:', tags: keyTags } }).load('t1:1'),
      createEntityLoader(batch, { cache: { store: cache, prefix: 'b:', tags: keyTags } }).load('t1:1'),
      createEntityLoader(batch).load('t1:1'),
      createEntityLoader(batch).load('t1:1'),
    ];
    await tick();
    release();
    await Promise.all(loads);
    expect(calls).toHaveLength(4);
  });

  it('never hands one request’s error to another: a joined load that failed is retried', async () => {
    const cache = new MapCache<Row | null>();
    const { calls, batch, release, failWith } = held();
    let failures = 1;
    failWith(() => (failures-- > 0 ? new Error('statement timeout of request 1') : undefined));
    const make = () => createEntityLoader(batch, { cache: { store: cache, prefix: 'e:', tags: keyTags } });
    const first = make().load('t1:1');
    await tick();
    const second = make().load('t1:1');
    await tick();
    release();
    await expect(first).rejects.toThrow('statement timeout of request 1');
    expect(await second).toEqual({ id: 't1:1', v: 2 });
    expect(calls).toEqual([['t1:1'], ['t1:1']]);
  });

  it('a failed load leaves no flight behind: the next request loads again', async () => {
    const cache = new MapCache<Row | null>();
    let calls = 0;
    const make = () =>
      createEntityLoader(
        async (keys: readonly string[]) => {
          calls += 1;
          if (calls === 1) throw new Error('down');
          return keys.map((id) => ({ id, v: 1 }));
        },
        { cache: { store: cache, prefix: 'e:', tags: keyTags } },
      );
    await expect(make().load('t1:1')).rejects.toThrow('down');
    expect(await make().load('t1:1')).toEqual({ id: 't1:1', v: 1 });
  });
});

describe('write fence', () => {
  it('a load that began before an invalidation does not store what it read', async () => {
    const cache = new FencedMapCache<Row | null>();
    const { batch, release } = held();
    const make = () => createEntityLoader(batch, { cache: { store: cache, prefix: 'e:', tags: keyTags } });
    const slow = make().load('t1:1');
    await tick();
    cache.invalidate('k:t1:1', 'e:t1:1'); // a write committed meanwhile
    release();
    expect(await slow).toEqual({ id: 't1:1', v: 1 });
    expect(cache.data.has('e:t1:1')).toBe(false);
    // A load after the invalidation is stored.
    await make().load('t1:1');
    expect(cache.data.get('e:t1:1')).toEqual({ id: 't1:1', v: 2 });
  });

  it('passes the fence to mset, and stores nothing when the fence cannot be taken', async () => {
    const cache = new FencedMapCache<Row | null>();
    const stats = new LoaderStats();
    const make = () =>
      createEntityLoader(async (keys: readonly string[]) => keys.map((id) => ({ id, v: 1 })), {
        name: 'e',
        cache: { store: cache, prefix: 'e:', tags: keyTags },
        metrics: stats,
      });
    await make().load('t1:1');
    expect(cache.data.has('e:t1:1')).toBe(true);
    cache.fenceFails = true;
    expect(await make().load('t1:2')).toEqual({ id: 't1:2', v: 1 });
    expect(cache.data.has('e:t1:2')).toBe(false);
    expect(stats.snapshot().e?.cacheFailures).toBe(1);
  });

  it('rejects a store whose fence is not a function', () => {
    const store = Object.assign(new MapCache<Row | null>(), { fence: 1 }) as never;
    expect(() =>
      createEntityLoader(async () => [], { cache: { store, prefix: 'e:', tags: keyTags } }),
    ).toThrow(/cache\.store\.fence/);
  });
});
