import { describe, expect, it } from 'vitest';
import { computeCacheHeaders } from '../src/index.js';

describe('computeCacheHeaders', () => {
  it('uses the most restrictive max-age and merges tags', () => {
    const { headers, droppedTags } = computeCacheHeaders([
      { maxAge: 300, tags: ['users', 'user:1'], staleWhileRevalidate: 30 },
      { maxAge: 60, tags: ['entities', 'users'], staleWhileRevalidate: 10 },
    ]);
    expect(headers).toEqual({
      'Cache-Control': 'public, max-age=60, s-maxage=60, stale-while-revalidate=10',
      'Cache-Tag': 'users,user:1,entities',
      'Surrogate-Key': 'users user:1 entities',
    });
    expect(droppedTags).toEqual([]);
  });

  it('is private (and untagged) when any part is private, no-store when any part is', () => {
    expect(
      computeCacheHeaders([
        { maxAge: 60, tags: ['a'] },
        { maxAge: 30, scope: 'private' },
      ]).headers,
    ).toEqual({
      'Cache-Control': 'private, max-age=30',
    });
    expect(computeCacheHeaders([{ maxAge: 60 }, { noStore: true }]).headers).toEqual({
      'Cache-Control': 'no-store',
    });
    expect(computeCacheHeaders([{ maxAge: 60 }, {}]).headers).toEqual({ 'Cache-Control': 'no-store' });
    expect(computeCacheHeaders([]).headers).toEqual({ 'Cache-Control': 'no-store' });
  });

  it('keeps at most 50 tags per object, de-duplicated case-insensitively, and reports the rest', () => {
    const tags = Array.from({ length: 60 }, (_, i) => `tag:${i}`);
    const { headers, droppedTags } = computeCacheHeaders([{ maxAge: 10, tags: ['TAG:0', ...tags] }]);
    expect(headers['Cache-Tag']!.split(',')).toHaveLength(50);
    expect(headers['Cache-Tag']!.startsWith('TAG:0,tag:1,')).toBe(true);
    expect(droppedTags).toEqual(tags.slice(50));
  });

  it('rejects tags CloudFront would not accept', () => {
    expect(() => computeCacheHeaders([{ maxAge: 1, tags: ['has space'] }])).toThrow(
      expect.objectContaining({ code: 'CACHE_TAG_INVALID' }),
    );
    expect(() => computeCacheHeaders([{ maxAge: 1, tags: ['x'.repeat(257)] }])).toThrow(
      expect.objectContaining({ code: 'CACHE_TAG_INVALID' }),
    );
    expect(() => computeCacheHeaders([{ maxAge: -1 }])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
