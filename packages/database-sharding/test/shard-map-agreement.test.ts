import { describe, expect, it } from 'vitest';
import { assertShardMapAgreement, comparableUrl, ShardMap, shardMapDisagreements } from '../src/index.js';
import type { ShardMapSnapshot } from '../src/topology/shard-map.js';

const map: ShardMapSnapshot = {
  version: 7,
  strategy: 'hash',
  virtualNodes: 150,
  shards: [
    {
      id: 's1',
      primary: 'postgres://app:old@db1:5432/app',
      replicas: ['postgres://app@db1r/app'],
      state: 'active',
    },
    { id: 's2', primary: 'postgres://app@db2/app', replicas: [], state: 'active' },
    { id: 's3', primary: 'postgres://app@db3/app', replicas: [], state: 'pending' },
  ],
  placements: [
    { tenant: 'acme', shardId: 's3', state: 'pinned', targetShardId: undefined, moveId: undefined },
  ],
};
const agreeing = [
  { id: 's2', primary: 'postgres://app@DB2:5432/app' },
  { id: 's1', primary: 'postgres://app:new-password@db1/app', replicas: ['postgres://app@db1r:5432/app'] },
  { id: 's3', primary: 'postgres://app@db3/app' },
];

describe('stored shard map agreement', () => {
  it('agrees whatever the order, passwords and default ports', () => {
    expect(shardMapDisagreements(map, agreeing)).toEqual([]);
    expect(comparableUrl('postgresql://u:secret@H:5432/db?b=2&a=1')).toBe('postgres://u@h:5432/db?a=1&b=2');
  });

  it('names every disagreement: an unknown shard, a missing one, another primary or replica set', () => {
    const problems = shardMapDisagreements(map, [
      { id: 's1', primary: 'postgres://app@db1-new/app', replicas: [] },
      { id: 's2', primary: 'postgres://app@db2/app' },
      { id: 's4', primary: 'postgres://app@db4/app' },
    ]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/shard 's1': primary postgres:\/\/app@db1-new\/app differs/);
    expect(problems[1]).toMatch(/shard 's1': replicas \[\] differ/);
    expect(problems[2]).toMatch(
      /DATABASE_SHARDS\[2\] names shard 's4', which the stored shard map \(version 7\) does not have/,
    );
    expect(problems[3]).toMatch(/has shard 's3' \(pending\), which DATABASE_SHARDS lacks/);
    expect(problems.join('\n')).not.toContain('old');
    expect(() => assertShardMapAgreement(map, [agreeing[0]!])).toThrow(
      expect.objectContaining({
        code: 'SHARD_MAP_MISMATCH',
        details: expect.objectContaining({ mapVersion: 7 }),
      }),
    );
  });

  it('compares ids only for embedded shards', () => {
    const embedded = agreeing.map((s) => ({ ...s, primary: 'postgres://postgres@127.0.0.1:40000/postgres' }));
    expect(shardMapDisagreements(map, embedded, { compareUrls: false })).toEqual([]);
    expect(
      shardMapDisagreements(map, embedded.slice(0, 2), { compareUrls: false, variable: 'EMBEDDED_SHARDS' }),
    ).toEqual([expect.stringMatching(/has shard 's3' \(pending\), which EMBEDDED_SHARDS lacks/)]);
  });
});

describe('ShardMap routing', () => {
  it('routes placed tenants to their shard, the rest by the ring of the active shards only', () => {
    const m = new ShardMap(map);
    expect(m.ringIds).toEqual(['s1', 's2']);
    expect(m.route('acme')).toBe('s3');
    expect(m.ringOwner('acme')).not.toBe('s3');
    expect(m.placement('acme')?.state).toBe('pinned');
    for (let i = 0; i < 200; i++) expect(['s1', 's2']).toContain(m.route(`t${i}`));
    expect(m.shardIds).toEqual(['s1', 's2', 's3']);
  });
});
