import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { createAggregateLoader, createRelationshipLoader, shardRoutingBy } from '../src/index.js';
import { shardOfId } from './fixtures.js';

interface Post {
  id: number;
  author: string;
}
const posts: Post[] = [
  { id: 1, author: 't1:a' },
  { id: 2, author: 't2:b' },
  { id: 3, author: 't1:a' },
  { id: 4, author: 't4:c' },
];

describe('createRelationshipLoader', () => {
  it('groups a flat list of rows by parent, keeping their order, and gives [] to a parent without rows', async () => {
    const calls: string[][] = [];
    const loader = createRelationshipLoader(
      async (authors: readonly string[]) => {
        calls.push([...authors]);
        return posts.filter((p) => authors.includes(p.author));
      },
      { groupBy: (p) => p.author },
    );
    const [a, b, none] = await Promise.all([loader.load('t1:a'), loader.load('t2:b'), loader.load('t1:z')]);
    expect(a.map((p) => p.id)).toEqual([1, 3]);
    expect(b.map((p) => p.id)).toEqual([2]);
    expect(none).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('accepts a Map of rows per parent with an error for one parent only', async () => {
    const loader = createRelationshipLoader<string, Post>(async (authors) => {
      const result = new Map<string, Post[] | Error>();
      for (const a of authors)
        result.set(a, a === 't1:bad' ? new Error('broken') : posts.filter((p) => p.author === a));
      return result;
    });
    const [a, bad] = await loader.loadMany(['t1:a', 't1:bad']);
    expect((a as Post[]).map((p) => p.id)).toEqual([1, 3]);
    expect((bad as Error).message).toBe('broken');
  });

  it('runs one query per shard', async () => {
    const shards: string[] = [];
    const loader = createRelationshipLoader(
      async (authors: readonly string[], ctx) => {
        shards.push(ctx.shardId!);
        return posts.filter((p) => authors.includes(p.author));
      },
      { groupBy: (p) => p.author, shards: shardRoutingBy(shardOfId) },
    );
    const lists = await Promise.all(['t1:a', 't2:b', 't4:c', 't3:x'].map((a) => loader.load(a)));
    expect(lists.map((l) => l.length)).toEqual([2, 1, 1, 0]);
    expect(shards.sort()).toEqual(['s1', 's2', 's3']);
  });

  it('rejects a flat list without groupBy with LOADER_BATCH_INVALID', async () => {
    const loader = createRelationshipLoader<string, Post>(async () => posts);
    const error = await loader.load('t1:a').catch((e: unknown) => e);
    expect(IntelGraphError.is(error, 'LOADER_BATCH_INVALID')).toBe(true);
  });
});

describe('createAggregateLoader', () => {
  it('turns driver strings into numbers and gives 0 to a parent without rows (count)', async () => {
    const loader = createAggregateLoader(async (authors: readonly string[]) =>
      authors
        .map((a) => ({ key: a, value: String(posts.filter((p) => p.author === a).length) }))
        .filter((r) => r.value !== '0'),
    );
    expect(await Promise.all(['t1:a', 't2:b', 't1:none'].map((a) => loader.load(a)))).toEqual([2, 1, 0]);
  });

  it('gives 0 for sum and null for avg when a parent has no rows', async () => {
    const sum = createAggregateLoader(async () => [{ key: 'x', value: '10.5' }], { kind: 'sum' });
    const avg = createAggregateLoader(async () => [{ key: 'x', value: 2.5 }], { kind: 'avg' });
    expect(await Promise.all([sum.load('x'), sum.load('y')])).toEqual([10.5, 0]);
    expect(await Promise.all([avg.load('x'), avg.load('y')])).toEqual([2.5, null]);
  });

  it('accepts bigint values and a Map result', async () => {
    const loader = createAggregateLoader<string>(
      async (keys) => new Map(keys.map((k) => [k, BigInt(k.length)])),
    );
    expect(await loader.load('abcd')).toBe(4);
  });

  it('fails the batch with LOADER_BATCH_INVALID on a non-numeric value', async () => {
    const loader = createAggregateLoader(async () => [{ key: 'x', value: 'many' }]);
    const error = await loader.load('x').catch((e: unknown) => e);
    expect(IntelGraphError.is(error, 'LOADER_BATCH_INVALID')).toBe(true);
  });

  it('rejects an unknown kind with CONFIG_INVALID', () => {
    expect(() => createAggregateLoader(async () => [], { kind: 'median' as 'count' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
