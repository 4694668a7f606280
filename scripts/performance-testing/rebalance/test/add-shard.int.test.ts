import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RebalancePlatform, startRebalancePlatform } from '../platform.js';

/*
 * Adding a fourth shard to a running three-shard platform — gateway and subgraphs as separate
 * processes on real PostgreSQL — with `intelgraph-shards add` + `rebalance`, while a load of reads
 * and writes runs through the gateway. Must hold: no acknowledged write lost; no read or write
 * failed except TENANT_MOVING, retried (bounded); every moved tenant's users, entities and
 * investigations (with their event streams) on the new shard and readable; `verify` passes; a
 * second accounts instance that was told nothing routes by the new map.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..', '..');
const TENANTS = Array.from({ length: 20 }, (_, i) => `corp${i}`);

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers; each assertion names the field it reads
type Json = any;
type Gql = {
  data?: Record<string, Json> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

describe('adding a shard under load', () => {
  let platform: RebalancePlatform;

  async function gql(tenant: string, query: string, variables: Record<string, unknown> = {}): Promise<Gql> {
    const response = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...platform.auth(tenant) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    return (await response.json()) as Gql;
  }

  beforeAll(async () => {
    platform = await startRebalancePlatform({ root, logDir: mkdtempSync(path.join(tmpdir(), 'add-shard-')) });
    for (const tenant of TENANTS) {
      const created = await gql(tenant, `mutation { createTenant(input: { name: "${tenant}" }) { id } }`);
      expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    }
  }, 240_000);
  afterAll(() => platform?.stop(), 120_000);

  it('rebalances onto the new shard with nothing lost, every read answered, and every instance following', async () => {
    const acknowledged: Array<{
      tenant: string;
      kind: 'user' | 'entity' | 'investigation';
      id: string;
      entity?: string;
    }> = [];
    const failures: string[] = [];
    let retries = 0;
    let reads = 0;
    let stop = false;
    /** Runs an operation; retries TENANT_MOVING (bounded); any other error is a failure. */
    const run = async (
      tenant: string,
      what: string,
      query: string,
      variables = {},
    ): Promise<Gql | undefined> => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const r = await gql(tenant, query, variables).catch(
          (e: Error) => ({ errors: [{ message: e.message }] }) as Gql,
        );
        if (!r.errors) return r;
        if (
          r.errors.every((e) => e.extensions?.code === 'TENANT_MOVING' || /TENANT_MOVING/.test(e.message))
        ) {
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        failures.push(`${what} ${tenant}: ${JSON.stringify(r.errors)}`);
        return undefined;
      }
      failures.push(`${what} ${tenant}: still TENANT_MOVING after 50 retries`);
      return undefined;
    };
    const worker = async (lane: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const tenant = TENANTS[(lane * 7 + n) % TENANTS.length]!;
        switch (n % 5) {
          case 0: {
            const r = await run(
              tenant,
              'createUser',
              'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
              {
                i: { email: `u${lane}-${n}@${tenant}.test`, name: `U ${lane}-${n}` },
              },
            );
            if (r) acknowledged.push({ tenant, kind: 'user', id: r.data!.createUser.id });
            break;
          }
          case 1: {
            const r = await run(
              tenant,
              'createEntity',
              'mutation($i: CreateEntityInput!) { createEntity(input: $i) { id } }',
              {
                i: { kind: 'PERSON', name: `E ${lane}-${n}` },
              },
            );
            if (r) acknowledged.push({ tenant, kind: 'entity', id: r.data!.createEntity.id });
            break;
          }
          case 2: {
            const entity = acknowledged.find((a) => a.tenant === tenant && a.kind === 'entity');
            const r = await run(
              tenant,
              'createInvestigation',
              'mutation($i: CreateInvestigationInput!) { createInvestigation(input: $i) { id } }',
              {
                i: { title: `I ${lane}-${n}` },
              },
            );
            if (!r) break;
            const id = r.data!.createInvestigation.id as string;
            if (entity) {
              const added = await run(
                tenant,
                'addEntity',
                'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
                {
                  i: id,
                  e: entity.id,
                },
              );
              if (added) acknowledged.push({ tenant, kind: 'investigation', id, entity: entity.id });
            } else acknowledged.push({ tenant, kind: 'investigation', id });
            break;
          }
          default: {
            reads++;
            await run(
              tenant,
              'read',
              '{ tenant { id name } users(first: 5) { edges { node { id name } } } entities(first: 5) { edges { node { id name } } } investigations(first: 5) { edges { node { id title version entityCount } } } }',
            );
          }
        }
      }
    };
    const workers = Array.from({ length: 4 }, (_, lane) => worker(lane));
    await new Promise((r) => setTimeout(r, 3000));

    const [s3] = platform.shards.slice(3);
    const added = await platform.shards_cli('add', 's3', '--primary', s3!.url, '--replica', s3!.replicaUrl);
    expect(added.code, added.stderr).toBe(0);
    const plan = await platform.shards_cli('plan');
    expect(plan.code, plan.stderr).toBe(0);
    const planned = (plan.json.moves as Array<{ tenant: string; to: string }>).filter((m) =>
      TENANTS.includes(m.tenant),
    );
    expect(planned.length).toBeGreaterThan(0);
    for (const m of planned) expect(m.to).toBe('s3');
    const rebalanced = await platform.shards_cli('rebalance');
    expect(rebalanced.code, rebalanced.stderr).toBe(0);
    const moved = (rebalanced.json.moved as Array<{ tenant: string; target: string; cutoverMs: number }>).map(
      (m) => m.tenant,
    );
    expect(moved.sort()).toEqual((plan.json.moves as Array<{ tenant: string }>).map((m) => m.tenant).sort());
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    expect(acknowledged.length).toBeGreaterThan(20);
    // No acknowledged write lost: each is read back through the gateway.
    for (const a of acknowledged) {
      const query =
        a.kind === 'user'
          ? '{ x: user(id: $id) { id } }'
          : a.kind === 'entity'
            ? '{ x: entity(id: $id) { id } }'
            : '{ x: investigation(id: $id) { id entities { id } } }';
      const r = await run(a.tenant, `verify ${a.kind}`, query.replace('{ x:', 'query($id: ID!) { x:'), {
        id: a.id,
      });
      expect(r?.data?.x?.id, `${a.kind} ${a.id}`).toBe(a.id);
      if (a.entity) expect(r?.data?.x?.entities.map((e: { id: string }) => e.id)).toContain(a.entity);
    }
    expect(failures).toEqual([]);
    // Every moved tenant lives on s3 now: its users, entities, investigations and their event streams.
    const client = new pg.Client({ connectionString: s3!.url });
    await client.connect();
    try {
      for (const tenant of planned.map((m) => m.tenant)) {
        const count = async (sql: string) => Number((await client.query(sql, [tenant])).rows[0].n);
        expect(await count('SELECT count(*) AS n FROM tenants WHERE id = $1'), tenant).toBe(1);
        const ours = acknowledged.filter((a) => a.tenant === tenant);
        expect(await count('SELECT count(*) AS n FROM users WHERE tenant_id = $1')).toBe(
          ours.filter((a) => a.kind === 'user').length,
        );
        expect(await count('SELECT count(*) AS n FROM entities WHERE tenant_id = $1')).toBe(
          ours.filter((a) => a.kind === 'entity').length,
        );
        const investigations = ours.filter((a) => a.kind === 'investigation');
        expect(
          await count('SELECT count(*) AS n FROM investigations WHERE tenant_id = $1'),
        ).toBeGreaterThanOrEqual(investigations.length);
        for (const inv of investigations) {
          const events = Number(
            (
              await client.query(
                'SELECT count(*) AS n FROM investigations_events.events WHERE aggregate_id = $1',
                [inv.id],
              )
            ).rows[0].n,
          );
          expect(events, inv.id).toBeGreaterThanOrEqual(inv.entity ? 2 : 1);
        }
      }
    } finally {
      await client.end();
    }
    const verify = await platform.shards_cli('verify');
    expect(verify.code, JSON.stringify(verify.json).slice(0, 2000)).toBe(0);
    // Every instance — the second accounts one, started with SHARD_MAP_URL only, included — applied the last version.
    const status = await platform.shards_cli('status');
    expect(status.json.moves).toEqual([]);
    const instances = status.json.instances as Array<{ service: string; appliedVersion: number }>;
    expect(instances.length).toBeGreaterThanOrEqual(4);
    for (const i of instances) expect(i.appliedVersion, i.service).toBe(status.json.version);
    const tenant = planned[0]!.tenant;
    const direct = await fetch(platform.followerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dev-tenant': tenant },
      body: JSON.stringify({ query: '{ tenant { id name } users(first: 50) { edges { node { id } } } }' }),
    });
    const body = (await direct.json()) as Gql;
    expect(body.errors).toBeUndefined();
    expect(body.data?.tenant).toEqual({ id: tenant, name: tenant });
    expect(body.data?.users.edges.length).toBe(
      acknowledged.filter((a) => a.tenant === tenant && a.kind === 'user').length,
    );
    // The cut-over of each move stayed short (its writes were held, not refused).
    const cutovers = (rebalanced.json.moved as Array<{ cutoverMs: number }>).map((m) => m.cutoverMs);
    console.log(
      `add-shard: ${moved.length} tenants moved, ${acknowledged.length} writes, ${reads} reads, ${retries} TENANT_MOVING retries, cut-overs ${cutovers.join(', ')} ms`,
    );
  }, 600_000);
});
