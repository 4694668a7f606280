import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ShardManager } from '../src/index.js';
import { replicaSetHost, replicaSetMemberUrl } from '../src/replicas/replica-set.js';

const SET =
  'postgres://app:p%2Fw@pg-shard-0-replicas.data.svc:5432/intelgraph?resolve=addresses&sslmode=require';

/**
 * A manager whose one shard has a replica set resolved by `answers` (one answer per health
 * round; an Error is a failed resolution). Nothing listens on port 1: probes fail fast, which
 * is all these tests need — they are about which nodes exist, not their health.
 */
function managerWith(answers: Array<readonly string[] | Error>): { m: ShardManager; hosts: string[] } {
  const hosts: string[] = [];
  let round = 0;
  const m = new ShardManager({
    strategy: 'hash',
    shards: [
      {
        id: 's0',
        primary: 'postgres://app@127.0.0.1:1/intelgraph',
        replicas: [
          'postgres://app@127.0.0.1:1/fixed',
          'postgres://app@replicas.invalid:1/intelgraph?resolve=addresses',
        ],
      },
    ],
    health: { timeoutMs: 500 },
    resolveAddresses: async (host) => {
      hosts.push(host);
      const answer = answers[Math.min(round++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  return { m, hosts };
}

describe('replica sets (?resolve=addresses)', () => {
  it('members connect with the set URL minus resolve: the host name stays (TLS checks it), credentials and parameters too', () => {
    expect(replicaSetHost(SET)).toBe('pg-shard-0-replicas.data.svc');
    expect(replicaSetHost('postgres://app@pg-shard-0-rw:5432/intelgraph')).toBeUndefined();
    expect(replicaSetMemberUrl(SET)).toBe(
      'postgres://app:p%2Fw@pg-shard-0-replicas.data.svc:5432/intelgraph?sslmode=require',
    );
  });

  it("a member's pool and probe reach its address, not whatever the URL's host name resolves to", async () => {
    const startups: string[] = [];
    const server = createServer((socket: Socket) => {
      socket.once('data', (data) => {
        startups.push(data.toString('latin1'));
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const m = new ShardManager({
      strategy: 'hash',
      shards: [
        {
          id: 's0',
          primary: 'postgres://app@127.0.0.1:1/intelgraph',
          // `.invalid` never resolves (RFC 2606): only the pinned address can be reached.
          replicas: [`postgres://app@replicas.invalid:${port}/intelgraph?resolve=addresses`],
        },
      ],
      health: { timeoutMs: 1000 },
      resolveAddresses: async () => ['127.0.0.1'],
    });
    try {
      await m.checkHealth();
      const member = m.shard('s0').replicas[0]!;
      expect(member.id).toBe('s0/replica-127.0.0.1');
      expect(member.address).toBe('127.0.0.1');
      // The probe's startup message (user app, database intelgraph) arrived at the address.
      expect(startups).toHaveLength(1);
      expect(startups[0]).toContain('intelgraph');
      await member.pool.query('SELECT 1').catch(() => undefined);
      expect(startups).toHaveLength(2);
    } finally {
      await m.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects another resolve mode on a replica, and any on a primary', () => {
    const shard = (primary: string, replica: string) =>
      new ShardManager({ strategy: 'hash', shards: [{ id: 's0', primary, replicas: [replica] }] });
    expect(() => shard('postgres://u@p/db', 'postgres://u@r/db?resolve=srv')).toThrow(
      /the only resolve a replica URL takes is resolve=addresses/,
    );
    expect(() => shard('postgres://u@p/db?resolve=addresses', 'postgres://u@r/db')).toThrow(
      /a primary URL names one server/,
    );
  });

  it('follows the set: one node per address, kept across rounds, added and retired as the answer changes', async () => {
    const { m, hosts } = managerWith([
      ['127.0.0.2', '127.0.0.3'],
      ['127.0.0.3', '127.0.0.4'],
      new Error('EAI_AGAIN'),
      [],
    ]);
    const events: Array<{ added: string[]; removed: string[] }> = [];
    m.on('replicas', (_shard, added, removed) =>
      events.push({ added: added.map((n) => n.id), removed: removed.map((n) => n.id) }),
    );
    const ids = () => m.shard('s0').replicas.map((r) => r.id);
    try {
      expect(ids()).toEqual(['s0/replica-0']);
      await m.checkHealth();
      expect(hosts).toEqual(['replicas.invalid']);
      expect(ids()).toEqual(['s0/replica-0', 's0/replica-127.0.0.2', 's0/replica-127.0.0.3']);
      expect(m.shard('s0').replicas[1]!.address).toBe('127.0.0.2');
      // Every node, the set's members too, was probed in the round that found it.
      expect(m.health().every((h) => h.checkedAt !== undefined)).toBe(true);
      const kept = m.shard('s0').replicas[2]!;

      await m.checkHealth();
      expect(ids()).toEqual(['s0/replica-0', 's0/replica-127.0.0.3', 's0/replica-127.0.0.4']);
      expect(m.shard('s0').replicas[1]).toBe(kept);

      // A failed resolution keeps the members; an empty answer (no ready standby) removes them.
      await m.checkHealth();
      expect(ids()).toEqual(['s0/replica-0', 's0/replica-127.0.0.3', 's0/replica-127.0.0.4']);
      await m.checkHealth();
      expect(ids()).toEqual(['s0/replica-0']);
      expect(m.health().map((h) => h.node)).toEqual(['s0/primary', 's0/replica-0']);
      expect(events).toEqual([
        { added: ['s0/replica-127.0.0.2', 's0/replica-127.0.0.3'], removed: [] },
        { added: ['s0/replica-127.0.0.4'], removed: ['s0/replica-127.0.0.2'] },
        { added: [], removed: ['s0/replica-127.0.0.3', 's0/replica-127.0.0.4'] },
      ]);
    } finally {
      await m.stop();
    }
  });

  it('never reads from a member before a probe proves it a fresh standby, nor for a session whose write it has not replayed', async () => {
    const { m } = managerWith([['127.0.0.2']]);
    try {
      await m.checkHealth();
      const shard = m.shard('s0');
      shard.primary.update({ status: 'up', inRecovery: false });
      const member = shard.replicas[1]!;
      // Found but not yet probed successfully: health unknown, no lag measured.
      member.update({ status: 'unknown', inRecovery: undefined, lagMs: undefined, syncedAt: undefined });
      shard.replicas[0]!.markDown(new Error('gone'));
      expect(m.reader('s0').id).toBe('s0/primary');
      member.update({ status: 'up', inRecovery: true, lagMs: 0, syncedAt: 1000 });
      expect(m.reader('s0').id).toBe('s0/replica-127.0.0.2');
      expect(m.reader('s0', { at: 2000 }).id).toBe('s0/primary');
    } finally {
      await m.stop();
    }
  });
});
