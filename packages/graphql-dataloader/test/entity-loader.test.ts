import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { createEntityLoader, LoaderStats, shardRoutingBy } from '../src/index.js';
import { deferred, shardOfId } from './fixtures.js';

interface Row {
  id: string;
  name: string;
}
const table = new Map<string, Row>(
  ['t1:1', 't1:2', 't2:1', 't2:2', 't3:1', 't4:1'].map((id) => [id, { id, name: `name of ${id}` }]),
);

function tableLoader(calls: Array<{ keys: readonly string[]; shardId: string | undefined }>) {
  return async (keys: readonly string[], ctx: { shardId: string | undefined }) => {
    calls.push({ keys: [...keys], shardId: ctx.shardId });
    // rows come back in the database's order, not the keys', and missing ones are absent
    return [...keys]
      .reverse()
      .map((k) => table.get(k))
      .filter((r): r is Row => r !== undefined);
  };
}

describe('createEntityLoader', () => {
  it('batches the loads of one tick into one call and matches rows to keys by id', async () => {
    const calls: Array<{ keys: readonly string[]; shardId: string | undefined }> = [];
    const loader = createEntityLoader(tableLoader(calls));
    const [a, b, missing] = await Promise.all([
      loader.load('t1:1'),
      loader.load('t2:2'),
      loader.load('t9:9'),
    ]);
    expect(a).toEqual({ id: 't1:1', name: 'name of t1:1' });
    expect(b).toEqual({ id: 't2:2', name: 'name of t2:2' });
    expect(missing).toBeNull();
    expect(calls).toEqual([{ keys: ['t1:1', 't2:2', 't9:9'], shardId: undefined }]);
  });

  it('loads a repeated key once per loader (per request)', async () => {
    const calls: Array<{ keys: readonly string[]; shardId: string | undefined }> = [];
    const loader = createEntityLoader(tableLoader(calls));
    await Promise.all([loader.load('t1:1'), loader.load('t1:1')]);
    await loader.load('t1:1');
    expect(calls.map((c) => c.keys)).toEqual([['t1:1']]);
  });

  it('with onMissing: error, fails only the missing key with NOT_FOUND', async () => {
    const loader = createEntityLoader(tableLoader([]), { name: 'userById', onMissing: 'error' });
    const [found, missing] = await loader.loadMany(['t1:2', 't1:404']);
    expect(found).toEqual({ id: 't1:2', name: 'name of t1:2' });
    expect(IntelGraphError.is(missing, 'NOT_FOUND')).toBe(true);
    expect((missing as IntelGraphError).input).toBe('t1:404');
    expect((missing as IntelGraphError).message).toContain('userById');
  });

  it('uses missingError for the error of a missing key', async () => {
    const loader = createEntityLoader(tableLoader([]), {
      onMissing: 'error',
      missingError: (key) => new Error(`no ${key}`),
    });
    await expect(loader.load('t1:7')).rejects.toThrow('no t1:7');
  });

  it('accepts a Map result with an error for one key only', async () => {
    const loader = createEntityLoader<string, Row>(async (keys) => {
      const result = new Map<string, Row | Error | null>();
      for (const key of keys) {
        result.set(key, key === 't1:bad' ? new Error('row is corrupt') : (table.get(key) ?? null));
      }
      return result;
    });
    const [good, bad, none] = await loader.loadMany(['t1:1', 't1:bad', 't1:none']);
    expect(good).toEqual(table.get('t1:1'));
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toBe('row is corrupt');
    expect(none).toBeNull();
  });

  it('matches rows with idOf and composite keys with keyOf', async () => {
    const loader = createEntityLoader<
      { tenant: string; n: number },
      { tenant: string; n: number; v: string }
    >(async (keys) => keys.map((k) => ({ ...k, v: `${k.tenant}/${k.n}` })), {
      idOf: (row) => ({ tenant: row.tenant, n: row.n }),
      keyOf: (k) => `${k.tenant}:${k.n}`,
    });
    const rows = await Promise.all([loader.load({ tenant: 'a', n: 1 }), loader.load({ tenant: 'b', n: 2 })]);
    expect(rows.map((r) => r?.v)).toEqual(['a/1', 'b/2']);
  });

  it('fails the batch keys with LOADER_BATCH_INVALID when rows have no id and no idOf is given', async () => {
    const loader = createEntityLoader<string, { name: string }>(async () => [{ name: 'x' }]);
    const error = await loader.load('t1:1').catch((e: unknown) => e);
    expect(IntelGraphError.is(error, 'LOADER_BATCH_INVALID')).toBe(true);
  });

  it('fails the batch keys with LOADER_BATCH_INVALID when the batch function returns a non-list', async () => {
    const loader = createEntityLoader<string, Row>(async () => 42 as unknown as Row[]);
    const error = await loader.load('t1:1').catch((e: unknown) => e);
    expect(IntelGraphError.is(error, 'LOADER_BATCH_INVALID')).toBe(true);
  });
});

describe('shard-aware batching', () => {
  it('calls the batch function once per shard with only that shard’s keys', async () => {
    const calls: Array<{ keys: readonly string[]; shardId: string | undefined }> = [];
    const stats = new LoaderStats();
    const loader = createEntityLoader(tableLoader(calls), {
      name: 'byId',
      shards: shardRoutingBy(shardOfId),
      metrics: stats,
    });
    const ids = ['t1:1', 't2:1', 't3:1', 't4:1', 't1:2', 't2:2'];
    const rows = await Promise.all(ids.map((id) => loader.load(id)));
    expect(rows.map((r) => r?.id)).toEqual(ids);
    const byShard = Object.fromEntries(calls.map((c) => [c.shardId, [...c.keys].sort()]));
    expect(byShard).toEqual({ s1: ['t1:1', 't1:2', 't3:1'], s2: ['t2:1', 't2:2'], s3: ['t4:1'] });
    expect(calls).toHaveLength(3);
    expect(stats.snapshot().byId).toMatchObject({ batches: 1, keys: 6, shardQueries: 3, maxBatchSize: 6 });
  });

  it('queries the shards in parallel: every shard call starts before any finishes', async () => {
    const gate = deferred();
    const started: string[] = [];
    const loader = createEntityLoader<string, Row>(
      async (keys, ctx) => {
        started.push(ctx.shardId!);
        if (started.length === 3) gate.resolve();
        await gate.promise;
        return keys.map((id) => ({ id, name: id }));
      },
      { shards: shardRoutingBy(shardOfId) },
    );
    const rows = await Promise.all(['t1:1', 't2:1', 't4:1'].map((id) => loader.load(id)));
    expect(rows).toHaveLength(3);
    expect(started.sort()).toEqual(['s1', 's2', 's3']);
  });

  it('fails only the keys of a failing shard', async () => {
    const loader = createEntityLoader<string, Row>(
      async (keys, ctx) => {
        if (ctx.shardId === 's2') throw new IntelGraphError('SHARD_UNAVAILABLE', 'shard s2 down');
        return keys.map((id) => ({ id, name: id }));
      },
      { shards: shardRoutingBy(shardOfId) },
    );
    const results = await loader.loadMany(['t1:1', 't2:1', 't4:1', 't2:2']);
    expect((results[0] as Row).id).toBe('t1:1');
    expect(IntelGraphError.is(results[1], 'SHARD_UNAVAILABLE')).toBe(true);
    expect((results[2] as Row).id).toBe('t4:1');
    expect(IntelGraphError.is(results[3], 'SHARD_UNAVAILABLE')).toBe(true);
  });

  it('fails only an unroutable key when the router throws', async () => {
    const calls: Array<{ keys: readonly string[]; shardId: string | undefined }> = [];
    const stats = new LoaderStats();
    const loader = createEntityLoader(tableLoader(calls), {
      name: 'byId',
      shards: shardRoutingBy(shardOfId),
      metrics: stats,
    });
    const results = await loader.loadMany(['t1:1', 'nope:1', 't2:1']);
    expect((results[0] as Row).id).toBe('t1:1');
    expect((results[1] as Error).message).toBe('unroutable id nope:1');
    expect((results[2] as Row).id).toBe('t2:1');
    expect(calls).toHaveLength(2);
    expect(stats.snapshot().byId?.keyErrors).toBe(1);
  });

  it('reports LOADER_BATCH_INVALID for a key the router left out of every group', async () => {
    const loader = createEntityLoader<string, Row>(async (keys) => keys.map((id) => ({ id, name: id })), {
      shards: { routeMany: (keys) => new Map([['s1', keys.filter((k) => k !== 't1:lost')]]) },
    });
    const [kept, lost] = await loader.loadMany(['t1:1', 't1:lost']);
    expect((kept as Row).id).toBe('t1:1');
    expect(IntelGraphError.is(lost, 'LOADER_BATCH_INVALID')).toBe(true);
  });

  it('honours maxBatchSize by splitting a batch', async () => {
    const calls: Array<{ keys: readonly string[]; shardId: string | undefined }> = [];
    const loader = createEntityLoader(tableLoader(calls), { maxBatchSize: 2 });
    await Promise.all(['t1:1', 't1:2', 't2:1', 't2:2', 't3:1'].map((id) => loader.load(id)));
    expect(calls.map((c) => c.keys.length)).toEqual([2, 2, 1]);
  });
});
