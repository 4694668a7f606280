import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../src/entry/cache-entry.js';
import { EntryCodec } from '../src/serialization/entry-codec.js';
import { jsonSerializer, type Serializer } from '../src/serialization/serializer.js';

const base: Omit<CacheEntry, 'value'> = {
  createdAt: 1_700_000_000_123,
  freshUntil: 1_700_000_060_123,
  staleUntil: 1_700_000_090_123,
  tags: ['users', 'entity:456'],
  tagVersions: [3, 1_700_000_000_000],
  loadMs: 42,
  size: 0,
};

function codec(
  compressionThreshold = 1024,
  compressionAlgorithm: 'deflate' | 'brotli' = 'deflate',
  serializer = jsonSerializer,
) {
  return new EntryCodec({ serializer, compressionThreshold, compressionAlgorithm });
}

function roundTrip(c: EntryCodec, value: unknown): { bytes: Buffer; back: CacheEntry | undefined } {
  const bytes = c.encodeEntry({ ...base, value }, c.encodeValue('k', value));
  return { bytes, back: c.decodeEntry(bytes) };
}

describe('EntryCodec', () => {
  it('round-trips a value and all of its metadata', () => {
    const { back } = roundTrip(codec(), { id: 'u1', roles: ['a', 'b'], n: 1.5, ok: true, none: null });
    expect(back).toMatchObject({
      ...base,
      size: expect.any(Number),
      value: { id: 'u1', roles: ['a', 'b'], n: 1.5, ok: true, none: null },
    });
  });

  for (const algorithm of ['deflate', 'brotli'] as const) {
    it(`compresses (${algorithm}) above the threshold, marks it, and reads it back`, () => {
      const c = codec(1024, algorithm);
      const value = { text: 'the same sentence again and again. '.repeat(500) };
      const { bytes, back } = roundTrip(c, value);
      expect(EntryCodec.isCompressed(bytes)).toBe(true);
      expect(bytes.length).toBeLessThan(JSON.stringify(value).length / 5);
      expect(back?.value).toEqual(value);
    });
  }

  it('leaves small values uncompressed', () => {
    const { bytes, back } = roundTrip(codec(), { small: true });
    expect(EntryCodec.isCompressed(bytes)).toBe(false);
    expect(back?.value).toEqual({ small: true });
  });

  it('never compresses when the threshold is 0', () => {
    const { bytes } = roundTrip(codec(0), 'x'.repeat(10_000));
    expect(EntryCodec.isCompressed(bytes)).toBe(false);
  });

  it('keeps undefined and null apart', () => {
    const c = codec();
    expect(roundTrip(c, undefined).back).toMatchObject({ value: undefined });
    expect(roundTrip(c, undefined).back).toBeDefined();
    expect(roundTrip(c, null).back?.value).toBeNull();
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a BigInt', { n: 10n }],
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
    ['a bare function', () => 1],
  ])('rejects %s with CACHE_VALUE_NOT_SERIALIZABLE', (_label, value) => {
    let error: unknown;
    try {
      codec().encodeValue('bad:key', value);
    } catch (e) {
      error = e;
    }
    expect(IntelGraphError.is(error, 'CACHE_VALUE_NOT_SERIALIZABLE')).toBe(true);
    expect((error as IntelGraphError).input).toBe('bad:key');
    expect((error as IntelGraphError).cause).toBeInstanceOf(Error);
  });

  it('accepts a BigInt with a serializer that has a codec for it', () => {
    const bigintAware: Serializer = {
      serialize: (v) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? { $bigint: x.toString() } : x)),
      deserialize: (b) =>
        JSON.parse(b.toString(), (_k, x) =>
          x && typeof x === 'object' && '$bigint' in x ? BigInt(x.$bigint) : x,
        ),
    };
    const { back } = roundTrip(codec(1024, 'deflate', bigintAware), { n: 12345678901234567890n });
    expect(back?.value).toEqual({ n: 12345678901234567890n });
  });

  it('reads foreign or corrupt bytes as a miss', () => {
    const c = codec();
    expect(c.decodeEntry(Buffer.from('{"plain":"json"}'))).toBeUndefined();
    expect(c.decodeEntry(null)).toBeUndefined();
    const { bytes } = roundTrip(c, { a: 1 });
    expect(c.decodeEntry(bytes.subarray(0, bytes.length - 3))).toBeUndefined();
  });
});
