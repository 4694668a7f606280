import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  TEST_IDENTITY_SECRET,
} from '@intelgraph/subgraph-runtime/testing';
import { type FaultProxy, serviceUrls, startFaultProxy } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The platform's cross-process single-flight, as deployed: four entities subgraph processes (the
 * service's own entry point) on the same PostgreSQL shards and the same Redis, asked for the same
 * cold entity at once, run ONE SQL query for it. The database answers through a delaying proxy,
 * so every process has missed the cache and is asking while the first load runs: without the
 * cross-process lock of the loaders' read-through each would query. Counted by the loaders' own
 * metric (`intelgraph_dataloader_shard_queries_total{loader="entityById"}`: batch-function calls,
 * each one statement), scraped from every process.
 */
const main = join(import.meta.dirname, '..', 'src', 'main.ts');
const PROCESSES = 4;
const tenant = `sf${Date.now().toString(36)}`;
const analyst = { tenantId: tenant, userId: `${tenant}:analyst` };

interface Service {
  readonly child: ChildProcess;
  url: string;
  output: string;
}

let shards: RealShards;
let proxy: FaultProxy;
const services: Service[] = [];

function start(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = { child, url: '', output: '' };
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      service.output += String(d);
      const url = /"url":"([^"]+)"[^\n]*entities subgraph ready/.exec(service.output)?.[1];
      if (url && !service.url) {
        service.url = url;
        resolve(service);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`entities exited with ${code}:\n${service.output}`)));
  });
}

async function entityQueries(service: Service): Promise<number> {
  const text = await (await fetch(service.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith('intelgraph_dataloader_shard_queries_total{') && l.includes('loader="entityById"'),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

beforeAll(async () => {
  shards = await createRealShards('entities_sf', 2);
  const primary = new URL(shards.shards[0]!.primary);
  proxy = await startFaultProxy({ target: { host: primary.hostname, port: Number(primary.port || 5432) } });
  // Primaries only, through the proxy: every statement of every process is delayed alike.
  const databaseShards = shards.shards.map((s) => ({
    id: s.id,
    primary: proxy.url(s.primary),
    replicas: [],
  }));
  const env = {
    DATABASE_SHARDS: JSON.stringify(databaseShards),
    REDIS_URL: serviceUrls().redis,
    IDENTITY_SECRET: TEST_IDENTITY_SECRET,
  };
  // One first (it runs the migrations), then the others.
  services.push(await start(env));
  services.push(...(await Promise.all(Array.from({ length: PROCESSES - 1 }, () => start(env)))));
}, 180_000);

afterAll(async () => {
  await Promise.all(
    services.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.child.exitCode !== null) return resolve();
          s.child.once('exit', () => resolve());
          s.child.kill('SIGTERM');
        }),
    ),
  );
  await proxy?.stop();
  await shards?.drop();
}, 60_000);

describe('cross-process single-flight on the platform', () => {
  it(`${PROCESSES} subgraph processes asked for the same cold entity at once run one SQL query`, async () => {
    const created = await graphqlRequest<{ createEntity: { id: string } }>(
      services[0]!.url,
      'mutation { createEntity(input: { kind: PERSON, name: "Grace Hopper" }) { id } }',
      { identity: analyst },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createEntity.id;
    const before = await Promise.all(services.map(entityQueries));

    proxy.setMode('delay', { delayMs: 150 });
    try {
      const asked = services.flatMap((service) =>
        Array.from({ length: 5 }, () =>
          graphqlRequest<{ entity: { id: string; name: string } }>(
            service.url,
            'query($id: ID!) { entity(id: $id) { id name } }',
            { identity: analyst, variables: { id } },
          ),
        ),
      );
      const answers = await Promise.all(asked);
      for (const answer of answers) expect(answer.data?.entity).toEqual({ id, name: 'Grace Hopper' });
    } finally {
      proxy.setMode('pass');
    }
    const after = await Promise.all(services.map(entityQueries));
    const queries = after.map((n, i) => n - before[i]!);
    expect(queries.reduce((a, b) => a + b, 0)).toBe(1);
  }, 120_000);
});
