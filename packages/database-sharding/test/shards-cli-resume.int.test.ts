import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { IntelGraphError } from '@intelgraph/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShardsCli } from '../src/cli/shards-cli.js';
import { MoveJournal } from '../src/index.js';
import { type MapInstance, type MovePlatform, startMovePlatform } from './fixtures/move-platform.js';

const main = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

/*
 * `intelgraph-shards move` SIGKILLed in the middle of its copy, while a service instance keeps
 * writing the tenant; `intelgraph-shards resume` then finishes it from the journaled cursor:
 * every acknowledged write is on the target exactly once, nothing is left on the source.
 */
describe('a move killed mid-copy and resumed', () => {
  let platform: MovePlatform;
  let a: MapInstance;
  const tenant = 'bigco';
  const TOTAL = 20_000;

  beforeAll(async () => {
    platform = await startMovePlatform('ig_resume', 2);
    a = await platform.instance('svc-a');
    await a.distributor.transaction(tenant, async (tx) => {
      await tx.query(
        `INSERT INTO entities (tenant_id, id, name, score) SELECT $1, $1 || ':' || lpad(g::text, 6, '0'), repeat('x', 200), g FROM generate_series(1, $2::int) g`,
        [tenant, TOTAL],
      );
      await tx.query(
        `INSERT INTO ev.events (event_id, aggregate_id, version, data) SELECT $1 || ':e' || g, $1 || ':a' || g, 1, '{}' FROM generate_series(1, 2000) g`,
        [tenant],
      );
    });
  }, 120_000);
  afterAll(async () => platform?.close());

  it('loses and duplicates nothing', async () => {
    const source = a.router.route(tenant);
    const target = source === 's0' ? 's1' : 's0';
    const oracle = new Map<string, number | null>();
    for (let g = 1; g <= TOTAL; g++) oracle.set(`${tenant}:${String(g).padStart(6, '0')}`, g);
    let stop = false;
    const writer = (async () => {
      for (let n = 0; !stop; n++) {
        const id = `${tenant}:w${n}`;
        const touched = `${tenant}:${String(1 + ((n * 97) % TOTAL)).padStart(6, '0')}`;
        for (;;) {
          try {
            await a.distributor.transaction(tenant, async (tx) => {
              await tx.query('INSERT INTO entities (tenant_id, id, name, score) VALUES ($1, $2, $3, $4)', [
                tenant,
                id,
                'w',
                n,
              ]);
              if (n % 2 === 0)
                await tx.query('UPDATE entities SET score = -($3::int) WHERE tenant_id = $1 AND id = $2', [
                  tenant,
                  touched,
                  n,
                ]);
              else await tx.query('DELETE FROM entities WHERE tenant_id = $1 AND id = $2', [tenant, touched]);
            });
            break;
          } catch (error) {
            if (!IntelGraphError.is(error, 'TENANT_MOVING')) throw error;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        oracle.set(id, n);
        if (oracle.get(touched) !== null) oracle.set(touched, n % 2 === 0 ? -n : null);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const journal = new MoveJournal(platform.store.pool, platform.store.schema);
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        main,
        'move',
        tenant,
        '--to',
        target,
        '--batch-size',
        '250',
        '--quiet',
      ],
      { env: { ...process.env, SHARD_MAP_URL: platform.metadata.url }, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ? -1 : code)),
    );
    let killedAt: { copiedRows: number; id: string } | undefined;
    const deadline = Date.now() + 60_000;
    while (!killedAt) {
      const open = (await journal.list({ unfinishedOnly: true })).find((m) => m.tenant === tenant);
      if (open?.phase === 'copy' && open.copiedRows >= 2000) {
        child.kill('SIGKILL');
        killedAt = { copiedRows: open.copiedRows, id: open.id };
      } else if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the move never reached its copy: ${JSON.stringify(open)}`);
      } else await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exited).toBe(-1);
    // Killed mid-copy: journaled, routing unchanged, writes go on at the source (and are captured).
    const stopped = (await journal.get(killedAt.id))!;
    expect(stopped.phase).toBe('copy');
    expect(stopped.copiedRows).toBeLessThan(TOTAL);
    expect(a.router.route(tenant)).toBe(source);
    expect(a.router.placement(tenant)?.state).toBe('moving');
    await new Promise((r) => setTimeout(r, 500));

    let out = '';
    const code = await runShardsCli(
      ['resume', '--json', '--quiet'],
      { stdout: (t) => (out += t), stderr: () => {} },
      {
        SHARD_MAP_URL: platform.metadata.url,
      },
    );
    const resumed = JSON.parse(out);
    expect(code, out).toBe(0);
    expect(resumed.resumed).toHaveLength(1);
    expect(resumed.resumed[0]).toMatchObject({ moveId: killedAt.id, tenant, source, target, resumed: true });
    expect(resumed.resumed[0].verified.every((v: { equal: boolean }) => v.equal)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await writer;

    expect(a.router.route(tenant)).toBe(target);
    const dst = await platform.client(Number(target.slice(1)));
    const src = await platform.client(Number(source.slice(1)));
    try {
      const rows = (
        await dst.query('SELECT id, score FROM entities WHERE tenant_id = $1 ORDER BY id', [tenant])
      ).rows;
      const expected = [...oracle]
        .filter(([, v]) => v !== null)
        .map(([id, score]) => ({ id, score }))
        .sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(rows.length).toBe(expected.length);
      const got = new Map(rows.map((r) => [r.id as string, r.score as number]));
      expect(
        expected.filter((e) => got.get(e.id) !== e.score).map((e) => ({ ...e, got: got.get(e.id) })),
      ).toEqual([]);
      expect(
        (
          await dst.query(`SELECT count(*)::int AS n FROM ev.events WHERE aggregate_id LIKE $1 || ':%'`, [
            tenant,
          ])
        ).rows[0].n,
      ).toBe(2000);
      expect(
        (await src.query('SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1', [tenant])).rows[0].n,
      ).toBe(0);
    } finally {
      await dst.end();
      await src.end();
    }
    let verify = '';
    expect(
      await runShardsCli(
        ['verify', tenant, '--json'],
        { stdout: (t) => (verify += t), stderr: () => {} },
        {
          SHARD_MAP_URL: platform.metadata.url,
        },
      ),
    ).toBe(0);
    expect(JSON.parse(verify).results[0]).toMatchObject({
      tenant,
      shard: target,
      ok: true,
      holding: [target],
    });
  }, 120_000);
});
