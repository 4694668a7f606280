import { describe, expect, it } from 'vitest';
import { ShardManager } from '../src/index.js';

/** Node selection only: pools are created lazily and never connect here. */
function manager(replicas = 2): ShardManager {
  return new ShardManager({
    strategy: 'hash',
    shards: [
      {
        id: 's0',
        primary: 'postgres://u@127.0.0.1:1/p',
        replicas: Array.from({ length: replicas }, (_, i) => `postgres://u@127.0.0.1:1/r${i}`),
      },
    ],
    health: { maxReplicaLagMs: 1000 },
  });
}

function healthy(m: ShardManager, lags: number[], syncedAt = 0): void {
  const shard = m.shard('s0');
  shard.primary.update({ status: 'up', inRecovery: false });
  for (const [i, r] of shard.replicas.entries())
    r.update({ status: 'up', inRecovery: true, lagMs: lags[i], syncedAt });
}

describe('ShardManager node selection', () => {
  it('balances reads round-robin over fresh replicas', () => {
    const m = manager(2);
    healthy(m, [0, 10]);
    const picks = Array.from({ length: 6 }, () => m.reader('s0').id);
    expect(picks).toEqual([
      's0/replica-0',
      's0/replica-1',
      's0/replica-0',
      's0/replica-1',
      's0/replica-0',
      's0/replica-1',
    ]);
  });

  it('skips replicas beyond the lag limit, down, promoted or excluded; falls back to the primary', () => {
    const m = manager(2);
    healthy(m, [5000, 0]);
    expect(new Set(Array.from({ length: 4 }, () => m.reader('s0').id))).toEqual(new Set(['s0/replica-1']));
    m.shard('s0').replicas[1]!.markDown(new Error('gone'));
    expect(m.reader('s0').id).toBe('s0/primary');
    m.shard('s0').replicas[1]!.update({ status: 'up', inRecovery: false, lagMs: 0 });
    expect(m.reader('s0').id).toBe('s0/primary');
    healthy(m, [0, 0]);
    expect(m.reader('s0', undefined, m.shard('s0').replicas[0]).id).toBe('s0/replica-1');
  });

  it('read-your-writes: only replicas proven to have replayed the write, else the primary', () => {
    const m = manager(2);
    healthy(m, [0, 0], 1000);
    m.shard('s0').replicas[1]!.update({ syncedAt: 3000 });
    expect(m.reader('s0', { at: 2000 }).id).toBe('s0/replica-1');
    expect(m.reader('s0', { at: 2000 }).id).toBe('s0/replica-1');
    expect(m.reader('s0', { at: 5000 }).id).toBe('s0/primary');
  });

  it("read-your-writes by LSN: a replica whose replay reached the write's LSN, with no primary sample since", () => {
    const m = manager(2);
    healthy(m, [0, 0], 1000);
    m.shard('s0').replicas[0]!.update({ lsn: 4_999 });
    m.shard('s0').replicas[1]!.update({ lsn: 5_000 });
    expect(m.reader('s0', { at: 2000, lsn: 5_000 }).id).toBe('s0/replica-1');
    expect(m.reader('s0', { at: 2000, lsn: 6_000 }).id).toBe('s0/primary');
    // The primary gone: the replica that replayed the write serves it, even lagging; none else does.
    m.shard('s0').primary.markDown(new Error('partition'));
    m.shard('s0').replicas[1]!.update({ lagMs: 60_000 });
    expect(m.reader('s0', { at: 2000, lsn: 5_000 }).id).toBe('s0/replica-1');
    expect(() => m.reader('s0', { at: 2000, lsn: 6_000 })).toThrow(
      expect.objectContaining({ code: 'SHARD_UNAVAILABLE' }),
    );
  });

  it('with the primary down, serves reads from a stale replica but never writes', () => {
    const m = manager(1);
    healthy(m, [60_000]);
    m.shard('s0').primary.markDown(new Error('partition'));
    expect(m.reader('s0').id).toBe('s0/replica-0');
    expect(() => m.reader('s0', { at: 1 })).toThrow(
      expect.objectContaining({ code: 'SHARD_UNAVAILABLE', details: { shardId: 's0' } }),
    );
    expect(() => m.writer('s0')).toThrow(/primary of shard 's0' is unreachable/);
    m.shard('s0').primary.update({ status: 'up', inRecovery: true });
    expect(() => m.writer('s0')).toThrow(/in recovery/);
  });

  it('adds a shard at run time, refusing duplicates and bad URLs', () => {
    const m = manager(0);
    expect(m.addShard({ id: 's1', primary: 'postgres://u@127.0.0.1:1/x' }).primary.id).toBe('s1/primary');
    expect(() => m.addShard({ id: 's1', primary: 'postgres://u@127.0.0.1:1/x' })).toThrow(/duplicate/);
    expect(() => m.addShard({ id: 's2', primary: 'http://x' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(m.shardIds).toEqual(['s0', 's1']);
  });
});

describe('ShardManager availability (what /ready reports)', () => {
  it('is ok with the primary up, degraded when only a replica can read, unavailable with nothing', () => {
    const m = manager(2);
    healthy(m, [0, 3000]);
    expect(m.availability()).toEqual([
      {
        shardId: 's0',
        status: 'ok',
        writable: true,
        readable: true,
        primary: 'up',
        replicas: { total: 2, up: 2, fresh: 1 },
        maxReplicaLagMs: 3000,
      },
    ]);
    const shard = m.shard('s0');
    shard.primary.update({ status: 'down' });
    expect(m.availability()[0]).toMatchObject({
      status: 'degraded',
      writable: false,
      readable: true,
      primary: 'down',
    });
    expect(m.reader('s0').role).toBe('replica'); // what /ready says is what a read gets
    expect(() => m.writer('s0')).toThrow(expect.objectContaining({ code: 'SHARD_UNAVAILABLE' }));
    shard.replicas[0]!.update({ status: 'down' });
    shard.replicas[1]!.update({ status: 'up', inRecovery: false }); // promoted: not a replica any more
    expect(m.availability()[0]).toMatchObject({
      status: 'unavailable',
      readable: false,
      replicas: { up: 0 },
    });
    shard.primary.update({ status: 'up', inRecovery: true });
    expect(m.availability()[0]).toMatchObject({
      status: 'degraded',
      writable: false,
      primary: 'in-recovery',
    });
  });
});
