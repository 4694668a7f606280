import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ShardManager, ShardMapStore } from '@intelgraph/database-sharding';
import { createTestDatabase, type TestDatabase } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');

function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  let output = '';
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', DEV_IDENTITY: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

async function tablesOf(url: string): Promise<string[]> {
  await using manager = new ShardManager({ strategy: 'hash', shards: [{ id: 'x', primary: url }] });
  {
    const { rows } = await manager.shard('x').primary.pool.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }
}

/*
 * The accounts service as deployed, started with a DATABASE_SHARDS that names a shard the stored
 * map does not have (what adding a shard to the variable without moving tenants would be): it
 * exits 78 with SHARD_MAP_MISMATCH before writing anything — no table on any shard, the map and
 * its instance registry untouched.
 */
describe('accounts with a DATABASE_SHARDS that disagrees with the stored shard map', () => {
  const shards: TestDatabase[] = [];
  let metadata: TestDatabase;
  let store: ShardMapStore;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) shards.push(await createTestDatabase(`ig_mismatch_${i}`));
    metadata = await createTestDatabase('ig_mismatch_map');
    store = new ShardMapStore({ url: metadata.url });
    await store.migrate();
    await store.initialize({
      virtualNodes: 150,
      shards: shards
        .slice(0, 2)
        .map((db, i) => ({ id: `s${i}`, primary: db.url, replicas: [db.replicaUrl] })),
    });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    for (const db of [...shards, metadata]) await db?.drop();
  });

  it('exits with SHARD_MAP_MISMATCH and writes nothing', async () => {
    const before = await store.load();
    const databaseShards = shards.map((db, i) => ({
      id: `s${i}`,
      primary: db.url,
      replicas: [db.replicaUrl],
    }));
    const { code, output } = await start({
      DATABASE_SHARDS: JSON.stringify(databaseShards),
      SHARD_MAP_URL: metadata.url,
    });
    expect(code, output).toBe(78);
    expect(output).toMatch(
      /^accounts: SHARD_MAP_MISMATCH: DATABASE_SHARDS disagrees with the stored shard map \(version 1\)/m,
    );
    expect(output).toContain(
      "DATABASE_SHARDS[2] names shard 's2', which the stored shard map (version 1) does not have",
    );
    for (const db of shards) expect(await tablesOf(db.url), db.name).toEqual([]);
    expect(await store.load()).toEqual(before);
    expect(await store.liveInstances(600_000)).toEqual([]);
  }, 90_000);
});
