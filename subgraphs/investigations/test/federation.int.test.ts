import { SeedPlan } from '@intelgraph/subgraph-runtime';
import { createRealShards, type RealShards, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SamplePlatform, startSamplePlatform } from './sample-platform.js';

const QUERY = `{
  investigations(first: 100) {
    edges { node { id title createdBy { id name } entities { id name createdBy { id name email } } } }
  }
}`;

interface Result {
  investigations: {
    edges: Array<{
      node: {
        id: string;
        createdBy: { name: string };
        entities: Array<{ id: string; name: string; createdBy: { name: string; email: string } }>;
      };
    }>;
  };
}

describe('through a gateway (@apollo/gateway over the composed supergraph) on PostgreSQL shards', () => {
  let real: RealShards;
  let platform: SamplePlatform;
  // Two tenants with the same shape but different list sizes: 100 investigations of 2 or of 8 entities.
  const small = new SeedPlan({
    tenants: 1,
    entities: 400,
    usersPerTenant: 20,
    investigationsPerTenant: 100,
    entitiesPerInvestigation: 2,
    tenantPrefix: 'small',
  });
  const large = new SeedPlan({
    tenants: 1,
    entities: 2000,
    usersPerTenant: 60,
    investigationsPerTenant: 100,
    entitiesPerInvestigation: 8,
    tenantPrefix: 'large',
  });

  beforeAll(async () => {
    real = await createRealShards('federation', 2);
    platform = await startSamplePlatform(testRuntimeConfig({ shards: real.shards, loaderCache: false }));
    await platform.seed(small);
    await platform.seed(large);
  });
  afterAll(async () => {
    await platform?.stop();
    await real?.drop();
  });

  async function run(plan: SeedPlan) {
    const tenant = plan.tenants[0]!.id;
    platform.statements.length = 0;
    const result = await platform.query<Result>(QUERY, {
      tenantId: tenant,
      userId: `${tenant}:u0`,
      scopes: ['read'],
    });
    const perShard = new Map<string, number>();
    for (const s of platform.statements) perShard.set(s.shardId, (perShard.get(s.shardId) ?? 0) + 1);
    return { result, perShard, statements: [...platform.statements] };
  }

  it('answers 100 investigations × their entities × their creators', async () => {
    const { result } = await run(large);
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.investigations.edges.map((e) => e.node);
    expect(nodes).toHaveLength(100);
    expect(nodes.every((n) => n.entities.length === 8)).toBe(true);
    expect(nodes.every((n) => n.createdBy.name.startsWith('User '))).toBe(true);
    expect(
      nodes
        .flatMap((n) => n.entities)
        .every((e) => e.name.length > 0 && e.createdBy.email.endsWith('.example')),
    ).toBe(true);
  });

  it('runs a fixed number of SQL statements per shard, whatever the list sizes', async () => {
    const a = await run(small);
    const b = await run(large);
    expect(a.result.data!.investigations.edges.flatMap((e) => e.node.entities)).toHaveLength(200);
    expect(b.result.data!.investigations.edges.flatMap((e) => e.node.entities)).toHaveLength(800);
    // Each tenant lives on one shard: all its statements go there, and their count does not grow
    // with 2 → 8 entities per investigation (200 → 800 entities, 20 → 60 creators).
    const count = (r: typeof a) => [...r.perShard.values()].reduce((x, y) => x + y, 0);
    expect(a.perShard.size).toBe(1);
    expect(b.perShard.size).toBe(1);
    expect(count(a)).toBe(count(b));
    // page of investigations + their entity ids (investigations), entities by id (entities),
    // investigation creators + entity creators (accounts: two _entities calls from the query plan)
    expect(count(b)).toBe(5);
    const byService = (r: typeof a) => {
      const counts: Record<string, number> = {};
      for (const s of r.statements) counts[s.service] = (counts[s.service] ?? 0) + 1;
      return counts;
    };
    expect(byService(b)).toEqual({ investigations: 2, entities: 1, accounts: 2 });
  });

  it('gives a tenant nothing of another tenant’s data through the gateway', async () => {
    const smallTenant = small.tenants[0]!.id;
    const foreignInvestigation = large.investigationId(large.tenants[0]!.id, 0);
    const r = await platform.query<{ investigation: unknown }>(
      `{ investigation(id: "${foreignInvestigation}") { id title } }`,
      {
        tenantId: smallTenant,
        userId: undefined,
        scopes: ['read'],
      },
    );
    expect(r.data?.investigation ?? null).toBeNull();
    expect((r.errors as Array<{ extensions: { code: string } }>)[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('keeps an investigation readable when one of its entity references is unknown to entities', async () => {
    const tenant = small.tenants[0]!.id;
    const who = { tenantId: tenant, userId: `${tenant}:u1`, scopes: ['read', 'write'] };
    const created = await platform.query<{ createInvestigation: { id: string } }>(
      'mutation { createInvestigation(input: { title: "Ghost hunt" }) { id } }',
      who,
    );
    const id = created.data!.createInvestigation.id;
    const known = small.entityId(tenant, 0);
    for (const entityId of [known, `${tenant}:ghost`]) {
      const r = await platform.query(
        'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
        who,
        {
          i: id,
          e: entityId,
        },
      );
      expect(r.errors).toBeUndefined();
    }
    const r = await platform.query<{
      investigation: { title: string; entities: Array<{ id: string; name: string } | null> };
    }>(`{ investigation(id: "${id}") { title entities { id name } } }`, who);
    expect(r.data?.investigation.title).toBe('Ghost hunt');
    expect(r.data?.investigation.entities).toEqual([{ id: known, name: expect.any(String) }, null]);
  });
});
