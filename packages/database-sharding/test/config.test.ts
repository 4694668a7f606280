import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { parseDatabaseShards, resolveShardManagerOptions } from '../src/index.js';

const shard = (id: string) => ({ id, primary: `postgres://postgres@127.0.0.1:5432/${id}` });

function configError(fn: () => unknown): IntelGraphError {
  try {
    fn();
  } catch (error) {
    if (IntelGraphError.is(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('ShardManager options', () => {
  it('applies the documented defaults', () => {
    const o = resolveShardManagerOptions({ strategy: 'hash', shards: [shard('a')] });
    expect(o.virtualNodes).toBe(150);
    expect(o.shardKeyField).toBe('tenantId');
    expect(o.pool).toEqual({
      primaryMax: 10,
      replicaMax: 10,
      connectionTimeoutMs: 2000,
      idleTimeoutMs: 30_000,
      queryTimeoutMs: 30_000,
    });
    expect(o.health).toEqual({ intervalMs: 1000, timeoutMs: 1000, maxReplicaLagMs: 5000 });
    expect(o.shards[0]).toMatchObject({ id: 'a', name: 'a', replicas: [] });
  });

  it('names the field and the value of each problem, with passwords redacted', () => {
    const error = configError(() =>
      resolveShardManagerOptions({
        strategy: 'hash',
        virtualNodes: 0,
        shards: [shard('a'), { id: 'b', primary: 'mysql://root:hunter2@x/db' }],
      }),
    );
    expect(error.message).toContain('virtualNodes=0');
    expect(error.message).toContain('shards[1].primary="mysql://root:<redacted>@x/db"');
    const pg = configError(() =>
      resolveShardManagerOptions({
        strategy: 'hash',
        shards: [shard('a'), { ...shard('a'), primary: 'postgres://u:secret@h/db' }],
      }),
    );
    expect(pg.message).toContain('shards[1].id="a": duplicate shard id');
    expect(
      configError(() =>
        resolveShardManagerOptions({ strategy: 'hash', shards: [{ ...shard('a'), replicas: ['nope'] }] }),
      ).message,
    ).toContain('shards[0].replicas[0]="nope"');
    const secret = configError(() =>
      resolveShardManagerOptions({
        strategy: 'hash',
        shards: [{ ...shard('a!'), primary: 'postgres://u:secret@h/db' }],
      }),
    );
    expect(secret.message).not.toContain('secret');
  });

  it('requires ranges for the range strategy and regions for geo', () => {
    expect(
      configError(() => resolveShardManagerOptions({ strategy: 'range', shards: [shard('a')] })).message,
    ).toContain('shards[0].range');
    expect(
      configError(() => resolveShardManagerOptions({ strategy: 'geo', shards: [shard('a')] })).message,
    ).toContain('shards[0].region');
    expect(
      configError(() => resolveShardManagerOptions({ strategy: 'ring' as 'hash', shards: [shard('a')] }))
        .message,
    ).toContain('strategy="ring"');
  });
});

describe('parseDatabaseShards', () => {
  it('parses the DATABASE_SHARDS JSON form', () => {
    const shards = parseDatabaseShards(
      JSON.stringify([
        { id: 's1', primary: 'postgres://p/db', replicas: ['postgres://r/db'], region: 'eu' },
        { id: 's2', primary: 'postgresql://q/db' },
      ]),
    );
    expect(shards).toEqual([
      { id: 's1', primary: 'postgres://p/db', replicas: ['postgres://r/db'], region: 'eu' },
      { id: 's2', primary: 'postgresql://q/db', replicas: [] },
    ]);
  });

  it('fails naming the variable, the entry and the expected form, never showing a password', () => {
    const bad = configError(() => parseDatabaseShards('[{"id":"s1","primary":"http://u:pw@x/db"}]'));
    expect(bad.message).toContain('DATABASE_SHARDS[0]["primary"]');
    expect(bad.message).toContain('expected a JSON array');
    expect(bad.message).not.toContain(':pw@');
    expect(configError(() => parseDatabaseShards('not json')).message).toMatch(/DATABASE_SHARDS.*not JSON/);
    expect(configError(() => parseDatabaseShards('[]')).message).toContain('at least one shard');
  });
});
