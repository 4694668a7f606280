import { describe, expect, it } from 'vitest';
import { routableId, ShardManager, ShardRouter } from '../src/index.js';

const url = (db: string) => `postgres://u@127.0.0.1:1/${db}`;

describe('ShardRouter', () => {
  it('builds the strategy the manager names: range over shard ranges', () => {
    const manager = new ShardManager({
      strategy: 'range',
      shardKeyField: 'day',
      shards: [
        { id: 'h1', primary: url('a'), range: { from: '2026-01-01', to: '2026-07-01' } },
        { id: 'h2', primary: url('b'), range: { from: '2026-07-01' } },
      ],
    });
    const router = new ShardRouter(manager);
    expect(router.route('2026-03-04')).toBe('h1');
    expect(router.keyOf({ day: '2026-08-01' })).toBe('2026-08-01');
    expect(router.route(router.keyOf({ day: '2026-08-01' }))).toBe('h2');
    expect(() => router.route('2025-12-31')).toThrow(
      expect.objectContaining({ code: 'SHARD_KEY_OUT_OF_RANGE' }),
    );
  });

  it('builds geo groups from shard regions and the router config', () => {
    const manager = new ShardManager({
      strategy: 'geo',
      shards: [
        { id: 'eu1', primary: url('a'), region: 'eu' },
        { id: 'us1', primary: url('b'), region: 'us' },
      ],
    });
    const router = new ShardRouter(manager, {
      regionOf: (k) => (k.startsWith('eu.') ? 'eu' : undefined),
      defaultRegion: 'us',
    });
    expect(router.route('eu.acme')).toBe('eu1');
    expect(router.route('acme')).toBe('us1');
    expect(router.route('acme', { region: 'eu' })).toBe('eu1');
    expect(router.routeMany(['a', 'b'], { region: 'eu' })).toEqual(new Map([['eu1', ['a', 'b']]]));
  });

  it('groups keys and routable ids by shard, deduplicated, in input order', () => {
    const manager = new ShardManager({
      strategy: 'hash',
      shards: ['s0', 's1', 's2'].map((id) => ({ id, primary: url(id) })),
    });
    const router = new ShardRouter(manager);
    const keys = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const groups = router.routeMany([...keys, ...keys]);
    expect([...groups.values()].flat().sort()).toEqual([...keys].sort());
    for (const [shard, group] of groups) {
      expect(group).toEqual(keys.filter((k) => router.route(k) === shard));
    }
    const ids = keys.map((k) => routableId(k));
    const byId = router.routeIds(ids);
    for (const [shard, group] of byId)
      for (const id of group) expect(router.route(id.split(':')[0]!)).toBe(shard);
    expect(() => router.routeId('no-tenant')).toThrow(expect.objectContaining({ code: 'SHARD_ID_INVALID' }));
  });

  it('takes the shard key from context.shardKey, else the configured field, else SHARD_KEY_REQUIRED', () => {
    const manager = new ShardManager({ strategy: 'hash', shards: [{ id: 's0', primary: url('a') }] });
    const router = new ShardRouter(manager);
    expect(router.keyOf({ shardKey: 'a', tenantId: 'b' })).toBe('a');
    expect(router.keyOf({ tenantId: 'b' })).toBe('b');
    expect(router.keyOf({ shardKey: 0 })).toBe(0);
    for (const context of [{}, { tenantId: '' }, { shardKey: null }, { tenantId: {} }]) {
      expect(() => router.keyOf(context)).toThrow(expect.objectContaining({ code: 'SHARD_KEY_REQUIRED' }));
    }
  });

  it('switches routing only to shards the manager has, and counts epochs', () => {
    const manager = new ShardManager({ strategy: 'hash', shards: [{ id: 's0', primary: url('a') }] });
    const router = new ShardRouter(manager);
    expect(() => router.switchTo(router.buildStrategy(['s0', 'nope']), ['s0', 'nope'])).toThrow(
      expect.objectContaining({ code: 'SHARD_UNAVAILABLE' }),
    );
    manager.addShard({ id: 's1', primary: url('b') });
    router.switchTo(router.buildStrategy(['s0', 's1']), ['s0', 's1']);
    expect(router.epoch).toBe(1);
    expect(new Set(Array.from({ length: 50 }, (_, i) => router.route(`k${i}`)))).toEqual(
      new Set(['s0', 's1']),
    );
  });
});
