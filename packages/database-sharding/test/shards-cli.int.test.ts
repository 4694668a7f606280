import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShardsCli } from '../src/cli/shards-cli.js';
import { type MapInstance, type MovePlatform, startMovePlatform } from './fixtures/move-platform.js';

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output; each assertion names the field it reads
type Json = any;

/*
 * The operator's path: `intelgraph-shards` against a stored map with three shards (two on the
 * ring, one added pending), two service instances following the map. status → plan →
 * rebalance --dry-run → rebalance → verify → drain → rebalance → remove, with JSON output and
 * exit codes, the instances routing by every new version without being told.
 */
describe('intelgraph-shards', () => {
  let platform: MovePlatform;
  let a: MapInstance;
  let b: MapInstance;
  const tenants = Array.from({ length: 24 }, (_, i) => `tenant${i}`);

  async function cli(
    ...argv: string[]
  ): Promise<{ code: number; json: Record<string, Json>; stderr: string }> {
    let out = '';
    let err = '';
    const code = await runShardsCli(
      [...argv, '--json', '--wait-ms', '10000'],
      { stdout: (t) => (out += t), stderr: (t) => (err += t) },
      { SHARD_MAP_URL: platform.metadata.url },
    );
    return { code, json: out ? JSON.parse(out) : {}, stderr: err };
  }

  beforeAll(async () => {
    platform = await startMovePlatform('ig_cli', 3, 2);
    a = await platform.instance('svc-a');
    b = await platform.instance('svc-b');
    for (const [i, tenant] of tenants.entries()) {
      await a.distributor.transaction(tenant, async (tx) => {
        await tx.query(
          `INSERT INTO entities (tenant_id, id, name) SELECT $1, $1 || ':' || g, 'n' FROM generate_series(1, $2::int) g`,
          [tenant, 20 + i],
        );
        await tx.query(`INSERT INTO ev.streams VALUES ($1, 't', 1)`, [`${tenant}:a`]);
        await tx.query(
          `INSERT INTO ev.events (event_id, aggregate_id, version, data) VALUES ($1, $2, 1, '{}')`,
          [`${tenant}:e`, `${tenant}:a`],
        );
      });
    }
  }, 120_000);
  afterAll(async () => platform?.close());

  it('answers usage errors with exit 2 and an empty map database with exit 1 and its code', async () => {
    expect(await runShardsCli([], { stdout: () => {}, stderr: () => {} }, {})).toBe(2);
    expect(
      await runShardsCli(['frobnicate'], { stdout: () => {}, stderr: () => {} }, { SHARD_MAP_URL: 'x' }),
    ).toBe(2);
    let out = '';
    const code = await runShardsCli(
      ['status', '--json', '--map-url', platform.shards[0]!.url],
      { stdout: (t) => (out += t), stderr: () => {} },
      {},
    );
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'SHARD_MAP_UNAVAILABLE' } });
  });

  it('status: shards, health, tenants and rows, instances and their map version', async () => {
    const { code, json } = await cli('status');
    expect(json.shards.map((s: Json) => [s.id, s.state, s.health])).toEqual([
      ['s0', 'active', 'ok'],
      ['s1', 'active', 'ok'],
      ['s2', 'pending', 'ok'],
    ]);
    expect(json.shards.reduce((n: number, s: Json) => n + s.tenants, 0)).toBe(tenants.length);
    expect(json.shards[2].tenants).toBe(0);
    expect(json.instances.map((i: Json) => [i.service, i.appliedVersion])).toEqual(
      expect.arrayContaining([
        ['svc-a', json.version],
        ['svc-b', json.version],
      ]),
    );
    expect(code).toBe(0);
  });

  it('plan and rebalance --dry-run change nothing; rebalance moves exactly the planned tenants; verify passes', async () => {
    const plan = await cli('plan');
    expect(plan.code).toBe(0);
    expect(plan.json.ring).toEqual({ current: ['s0', 's1'], next: ['s0', 's1', 's2'] });
    const moves = plan.json.moves as Array<{ tenant: string; from: string; to: string; rows: number }>;
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) expect(m.to).toBe('s2'); // a consistent-hash ring only moves keys to the new shard
    const before = (await cli('status')).json.version;
    const dry = await cli('rebalance', '--dry-run');
    expect(dry.json.moves).toEqual(moves);
    expect((await cli('status')).json.version).toBe(before);

    const run = await cli('rebalance');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.moved.map((r: Json) => r.tenant).sort()).toEqual(moves.map((m) => m.tenant).sort());
    expect(run.json.failed).toEqual([]);
    for (const r of run.json.moved) expect(r.verified.every((v: Json) => v.equal)).toBe(true);
    for (const inst of [a, b]) {
      for (const m of moves) expect(inst.router.route(m.tenant)).toBe('s2');
      expect(inst.router.map?.ringIds).toEqual(['s0', 's1', 's2']);
    }
    const verify = await cli('verify');
    expect(verify.code).toBe(0);
    expect(verify.json).toMatchObject({ tenants: tenants.length, failed: 0 });
    const status = await cli('status');
    expect(status.json.placements).toEqual([]);
    expect(status.json.moves).toEqual([]);
    expect(status.json.shards[2].tenants).toBe(moves.length);
    expect((await cli('plan')).json.moves).toEqual([]);
  });

  it('drain moves every tenant off a shard, remove deletes it from the map', async () => {
    await expect(cli('remove', 's2')).resolves.toMatchObject({
      code: 1,
      json: { error: { code: 'SHARD_MAP_CONFLICT' } },
    });
    const drain = await cli('drain', 's2');
    expect(drain.code, drain.stderr).toBe(0);
    expect(a.router.map?.ringIds).toEqual(['s0', 's1']);
    const run = await cli('rebalance');
    expect(run.code, run.stderr).toBe(0);
    expect((await cli('status')).json.shards[2]).toMatchObject({ id: 's2', state: 'draining', tenants: 0 });
    const removed = await cli('remove', 's2');
    expect(removed.code).toBe(0);
    const status = await cli('status');
    expect(status.json.shards.map((s: Json) => s.id)).toEqual(['s0', 's1']);
    expect((await cli('verify')).json).toMatchObject({ tenants: tenants.length, failed: 0 });
    for (const t of tenants) expect(['s0', 's1']).toContain(a.router.route(t));
  });

  it('the bin runs the built JavaScript (dist/)', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'intelgraph-shards.js');
    const { NODE_OPTIONS: _, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'status', '--json'], {
      env: { ...env, SHARD_MAP_URL: platform.metadata.url },
    }).catch((error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }));
    expect(JSON.parse(stdout)).toMatchObject({ shards: [{ id: 's0' }, { id: 's1' }] });
  });
});
