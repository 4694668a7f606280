import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { GeoStrategy, RangeStrategy } from '../src/index.js';

describe('RangeStrategy', () => {
  const strategy = new RangeStrategy([
    { id: '2025', range: { from: '2025-01-01', to: '2026-01-01' } },
    { id: 'old', range: { to: '2025-01-01' } },
    { id: '2026', range: { from: '2026-01-01', to: '2027-01-01' } },
  ]);

  it('routes keys to the range that contains them (from inclusive, to exclusive), dates as ISO strings', () => {
    expect(strategy.route('2025-06-30T12:00:00Z')).toBe('2025');
    expect(strategy.route('2026-01-01')).toBe('2026');
    expect(strategy.route('1999-01-01')).toBe('old');
    expect(strategy.route(new Date('2026-03-01T00:00:00Z'))).toBe('2026');
  });

  it('rejects a key outside every range with SHARD_KEY_OUT_OF_RANGE naming it', () => {
    try {
      strategy.route('2027-01-01');
      expect.unreachable();
    } catch (error) {
      expect(IntelGraphError.is(error, 'SHARD_KEY_OUT_OF_RANGE')).toBe(true);
      expect((error as IntelGraphError).input).toBe('2027-01-01');
    }
  });

  it('compares numeric bounds numerically and Date keys as epoch ms', () => {
    const numeric = new RangeStrategy([
      { id: 'low', range: { from: 0, to: 100 } },
      { id: 'high', range: { from: 100, to: 1e15 } },
    ]);
    expect(numeric.route(99)).toBe('low');
    expect(numeric.route(100)).toBe('high');
    expect(numeric.route(new Date(5000))).toBe('high');
    expect(() => numeric.route(-1)).toThrow(/outside every shard range/);
  });

  it('refuses overlapping or empty ranges at construction with CONFIG_INVALID', () => {
    expect(
      () =>
        new RangeStrategy([
          { id: 'a', range: { from: 0, to: 10 } },
          { id: 'b', range: { from: 5, to: 20 } },
        ]),
    ).toThrow(/overlapping/);
    expect(() => new RangeStrategy([{ id: 'a', range: { from: 10, to: 10 } }])).toThrow(/not below/);
  });
});

describe('GeoStrategy', () => {
  const shards = [
    { id: 'eu-1', region: 'eu' },
    { id: 'eu-2', region: 'eu' },
    { id: 'us-1', region: 'us' },
  ];

  it('keeps a key inside its region group, hashing across the group', () => {
    const geo = new GeoStrategy(shards, 150);
    const eu = new Set(Array.from({ length: 200 }, (_, i) => geo.route(`t${i}`, { region: 'eu' })));
    expect(eu).toEqual(new Set(['eu-1', 'eu-2']));
    expect(geo.route('t1', { region: 'us' })).toBe('us-1');
  });

  it('takes the region from regionOf, then defaultRegion, and rejects an unknown region', () => {
    const geo = new GeoStrategy(shards, 150, { regionOf: (k) => k.split('-')[0], defaultRegion: 'us' });
    expect(geo.route('eu-acme').startsWith('eu-')).toBe(true);
    expect(() => geo.route('apac-acme')).toThrow(expect.objectContaining({ code: 'SHARD_REGION_UNKNOWN' }));
    expect(new GeoStrategy(shards, 150, { defaultRegion: 'us' }).route('x')).toBe('us-1');
    expect(() => new GeoStrategy(shards, 150).route('x')).toThrow(
      expect.objectContaining({ code: 'SHARD_REGION_UNKNOWN' }),
    );
  });
});
