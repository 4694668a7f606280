import { createMetricsRegistry } from '@intelgraph/telemetry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEntityLoader, LoaderStats, shardRoutingBy } from '../src/index.js';
import { keyTags, MapCache } from './fixtures.js';

describe('loader options', () => {
  it.each([
    [{ name: '' }, 'name'],
    [{ maxBatchSize: 0 }, 'maxBatchSize'],
    [{ maxBatchSize: 1.5 }, 'maxBatchSize'],
    [{ shards: {} }, 'shards'],
    [{ cache: { store: {}, prefix: 'x' } }, 'cache.store'],
    [{ cache: { store: new MapCache(), prefix: '' } }, 'cache.prefix'],
    [{ cache: { store: new MapCache(), prefix: 'p', ttlMs: -1, tags: keyTags } }, 'cache.ttlMs'],
    [{ cache: { store: new MapCache(), prefix: 'p' } }, 'cache.tags'],
  ])('rejects %j with CONFIG_INVALID naming %s', (options, field) => {
    expect(() => createEntityLoader(async () => [], options as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field } }),
    );
  });
});

describe('LoaderStats', () => {
  it('exports batch sizes, shard queries and cache hits to Prometheus', async () => {
    const registry = createMetricsRegistry({ collectDefaults: false });
    const stats = new LoaderStats({ registry });
    const cache = new MapCache<{ id: string } | null>();
    cache.data.set('u:a:1', { id: 'a:1' });
    const loader = createEntityLoader(async (ids: readonly string[]) => ids.map((id) => ({ id })), {
      name: 'userById',
      metrics: stats,
      shards: shardRoutingBy((id: string) => id.split(':')[0]!),
      cache: { store: cache, prefix: 'u:', tags: keyTags },
    });
    await Promise.all(['a:1', 'a:2', 'b:1'].map((id) => loader.load(id)));
    const text = await registry.metrics();
    expect(text).toContain('intelgraph_dataloader_batch_size_count{loader="userById"} 1');
    expect(text).toContain('intelgraph_dataloader_batch_size_sum{loader="userById"} 3');
    expect(text).toContain('intelgraph_dataloader_shard_queries_total{loader="userById"} 2');
    expect(text).toContain('intelgraph_dataloader_cache_hits_total{loader="userById"} 1');
    expect(text).toContain('intelgraph_dataloader_cache_misses_total{loader="userById"} 2');
    // a second LoaderStats on the same registry reuses the series instead of throwing
    expect(() => new LoaderStats({ registry })).not.toThrow();
  });
});

describe('shard-aware batching (property)', () => {
  it('answers every key with its own value and calls the batch function once per distinct shard', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 30 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 4 }),
        async (pairs, shardCount) => {
          const keys = pairs.map(([tenant, n]) => `t${tenant}:${n}`);
          const shardOf = (id: string) => `s${Number(id.slice(1, id.indexOf(':'))) % shardCount}`;
          const calls: Array<{ shard: string; keys: readonly string[] }> = [];
          const loader = createEntityLoader(
            async (ids: readonly string[], ctx) => {
              calls.push({ shard: ctx.shardId!, keys: ids });
              return ids.filter((id) => !id.endsWith(':0')).map((id) => ({ id, shard: ctx.shardId }));
            },
            { shards: shardRoutingBy(shardOf) },
          );
          const rows = await Promise.all(keys.map((k) => loader.load(k)));
          rows.forEach((row, i) => {
            const key = keys[i]!;
            if (key.endsWith(':0')) expect(row).toBeNull();
            else expect(row).toEqual({ id: key, shard: shardOf(key) });
          });
          expect(calls.length).toBe(new Set(keys.map(shardOf)).size);
          for (const call of calls) {
            expect(call.keys.every((k) => shardOf(k) === call.shard)).toBe(true);
            expect(new Set(call.keys).size).toBe(call.keys.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
