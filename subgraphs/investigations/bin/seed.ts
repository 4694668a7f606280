/**
 * `pnpm seed --tenants N --entities M [--seed S] [--investigations-per-tenant K]`
 *
 * Builds the sample data set in every subgraph's tables: tenants and users (accounts), entities
 * and power-law relationships (entities), event-sourced investigations and their projection
 * (investigations). Uses DATABASE_SHARDS when set; otherwise the embedded PGlite shards kept in
 * EMBEDDED_DATA_DIR (default .data/embedded) — start the subgraphs with the same directory.
 */
import { parseArgs } from 'node:util';
import { accountsMigrations, seedAccounts } from '@intelgraph/accounts-subgraph';
import { parseDatabaseShards } from '@intelgraph/database-sharding';
import { entitiesMigrations, seedEntities } from '@intelgraph/entities-subgraph';
import { type Migration, openStorage, SeedPlan } from '@intelgraph/subgraph-runtime';
import { investigationsMigrations, seedInvestigations } from '../src/index.js';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '20' },
    entities: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    'investigations-per-tenant': { type: 'string' },
    'embedded-shards': { type: 'string', default: process.env.EMBEDDED_SHARDS ?? '2' },
  },
  allowPositionals: true,
});

function integer(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`seed: --${name}=${raw} is not a non-negative integer\n`);
    process.exit(64);
  }
  return n;
}

const plan = new SeedPlan({
  tenants: Math.max(1, integer('tenants', values.tenants)),
  entities: integer('entities', values.entities),
  seed: integer('seed', values.seed),
  ...(values['investigations-per-tenant'] !== undefined
    ? { investigationsPerTenant: integer('investigations-per-tenant', values['investigations-per-tenant']) }
    : {}),
});
const shards = process.env.DATABASE_SHARDS ? parseDatabaseShards(process.env.DATABASE_SHARDS) : undefined;
const dataDir = process.env.EMBEDDED_DATA_DIR ?? '.data/embedded';
if (!shards && dataDir === 'memory') {
  process.stderr.write(
    'seed: EMBEDDED_DATA_DIR=memory would seed databases that vanish on exit; set a directory\n',
  );
  process.exit(64);
}
const embedded = { count: integer('embedded-shards', values['embedded-shards']), dataDir };

async function withStorage<T>(
  service: string,
  migrations: readonly Migration[],
  fn: (s: Awaited<ReturnType<typeof openStorage>>) => Promise<T>,
) {
  const storage = await openStorage({ service, migrations, ...(shards ? { shards } : { embedded }) });
  try {
    const started = Date.now();
    const result = await fn(storage);
    process.stdout.write(
      `${service}: ${JSON.stringify(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await storage.stop();
  }
}

process.stdout.write(
  `seeding ${plan.tenants.length} tenants, ${plan.options.entities} entities into ${shards ? `${shards.length} PostgreSQL shards` : `${embedded.count} embedded shards in ${dataDir}`}\n`,
);
await withStorage('accounts', accountsMigrations, (s) => seedAccounts(s, plan));
await withStorage('entities', entitiesMigrations, (s) => seedEntities(s, plan));
await withStorage('investigations', investigationsMigrations, (s) => seedInvestigations(s, plan));
if (!shards)
  process.stdout.write(`start the subgraphs with EMBEDDED_DATA_DIR=${dataDir} to serve this data\n`);
