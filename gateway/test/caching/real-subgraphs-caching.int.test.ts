import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@intelgraph/config';
import { RabbitMQQueue } from '@intelgraph/message-queue-enhanced';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { createRealShards, type RealShards } from '@intelgraph/subgraph-runtime/testing';
import { createLogger } from '@intelgraph/telemetry';
import { serviceUrls } from '@intelgraph/test-support';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloudFront } from '../../../packages/advanced-caching/test/helpers/fake-cloudfront.js';
import { dropPrefix } from '../../../packages/advanced-caching/test/helpers/redis.js';
import { buildGateway } from '../../src/build-gateway.js';
import { configSpec } from '../../src/config.js';
import type { Gateway } from '../../src/gateway-server.js';

/*
 * End to end over the REAL subgraphs (accounts, entities, investigations on throwaway PostgreSQL
 * shards with their streaming replicas), their outbox relays publishing the domain events to
 * RabbitMQ, and two gateway instances sharing Redis (the caches' L2) and one invalidation
 * consumer group, with the entity cache, the response cache and the CDN headers on and the
 * CloudFront invalidator pointed at a local CloudFront API.
 */

const root = join(import.meta.dirname, '..', '..', '..');
const JWT_SECRET = randomUUID() + randomUUID();
const IDENTITY_SECRET = randomUUID() + randomUUID();
const run = randomUUID().slice(0, 8);
const prefix = `igtest:gw-real:${run}`;
const group = `gateway-cache-test-${run}`;

type AnyDefinition = SubgraphDefinition<never>;

interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
}

function token(tenant: string, sub: string): Promise<string> {
  return new SignJWT({ tenant, scope: 'read write admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

async function post(gateway: Gateway, query: string, bearer: string, variables?: unknown): Promise<Reply> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** `data` of a query that must succeed. */
async function data(gateway: Gateway, query: string, bearer: string, variables?: unknown) {
  const reply = await post(gateway, query, bearer, variables);
  expect(reply.body.errors, query).toBeUndefined();
  return reply.body.data;
}

async function metric(gateway: Gateway, line: RegExp): Promise<number> {
  const text = await (await fetch(`${new URL(gateway.url).origin}/metrics`)).text();
  const match = text.split('\n').find((l) => line.test(l));
  return match ? Number(match.slice(match.lastIndexOf(' ') + 1)) : 0;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const shards = new Map<string, RealShards>();
const subgraphs: RunningSubgraph[] = [];
const transports: RabbitMQQueue[] = [];
let cf: FakeCloudFront;
let gwA: Gateway;
let gwB: Gateway;

async function startRealSubgraph(name: string): Promise<RunningSubgraph> {
  const mod = (await import(pathToFileURL(join(root, 'subgraphs', name, 'src', 'index.ts')).href)) as Record<
    string,
    unknown
  >;
  const definition = Object.values(mod).find(
    (v): v is AnyDefinition => typeof v === 'object' && v !== null && 'typeDefs' in v && 'setup' in v,
  )!;
  const real = await createRealShards(`gwcache${name}`, 2);
  shards.set(name, real);
  const config = loadConfig(mod.configSpec as Parameters<typeof loadConfig>[0], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    IDENTITY_SECRET,
    DATABASE_SHARDS: JSON.stringify(real.shards),
    // The outbox relays publish the domain events on the platform's RabbitMQ exchange.
    AMQP_URL: serviceUrls().amqp,
  }) as unknown as Parameters<typeof startSubgraph>[1];
  return startSubgraph(definition, config);
}

async function startGateway(): Promise<Gateway> {
  const config = loadConfig(configSpec, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    SUBGRAPHS: ['accounts', 'entities', 'investigations']
      .map((name, i) => `${name}=${subgraphs[i]!.url}`)
      .join(','),
    JWT_SECRET,
    IDENTITY_SECRET,
    ALLOW_ANONYMOUS: 'false',
    REDIS_URL: serviceUrls().redis,
    CACHE_RESPONSES: 'true',
    CACHE_ENTITIES: 'true',
    CACHE_CDN_HEADERS: 'true',
    CACHE_PREFIX: prefix,
    CACHE_EVENTS_GROUP: group,
    CLOUDFRONT_DISTRIBUTION_ID: 'E2REALSUBGRAPHS',
    CLOUDFRONT_ENDPOINT: cf.endpoint,
  });
  // Each instance its own connection, both in one consumer group: each event is handled once.
  const events = new RabbitMQQueue({ url: serviceUrls().amqp, namespace: 'intelgraph', lagIntervalMs: 0 });
  transports.push(events);
  const gateway = await buildGateway(config, {
    log: createLogger({ service: 'gateway', level: 'silent' }),
    cacheEvents: events,
  });
  await gateway.start(0, '127.0.0.1');
  return gateway;
}

interface Tenant {
  readonly id: string;
  readonly token: string;
  readonly userName: string;
}

async function bootstrapTenant(id: string, userName: string): Promise<Tenant> {
  const bootstrap = await token(id, `${id}:bootstrap`);
  await data(gwA, `mutation { createTenant(input: { name: "${id} Corp" }) { id } }`, bootstrap);
  const user = await data(
    gwA,
    `mutation { createUser(input: { email: "${userName}@${id}.test", name: "${userName}", role: ADMIN }) { id } }`,
    bootstrap,
  );
  return { id, userName, token: await token(id, user.createUser.id) };
}

async function createEntity(tenant: Tenant, name: string): Promise<string> {
  const created = await data(
    gwA,
    'mutation C($name: String!) { createEntity(input: { kind: PERSON, name: $name }) { id } }',
    tenant.token,
    { name },
  );
  return created.createEntity.id;
}

async function createInvestigation(tenant: Tenant, title: string, entityIds: string[]): Promise<string> {
  const created = await data(
    gwA,
    'mutation C($title: String!) { createInvestigation(input: { title: $title }) { id } }',
    tenant.token,
    { title },
  );
  const id = created.createInvestigation.id as string;
  for (const entityId of entityIds)
    await data(
      gwA,
      'mutation A($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
      tenant.token,
      {
        i: id,
        e: entityId,
      },
    );
  return id;
}

/** The CloudFront invalidation items naming objects of these tenants (other tests share RabbitMQ). */
function purged(tenants: readonly Tenant[], from = 0): string[] {
  return cf.creations
    .slice(from)
    .flatMap((r) => r.items)
    .filter((item) => tenants.some((t) => item.includes(`:${t.id}:`)));
}

let a: Tenant;
let b: Tenant;
let alpha: string;
let alphaOther: string;
let beta: string;
let caseA: string;
let caseB: string;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';
  cf = new FakeCloudFront();
  await cf.start();
  for (const name of ['accounts', 'entities', 'investigations'])
    subgraphs.push(await startRealSubgraph(name));
  gwA = await startGateway();
  gwB = await startGateway();
  a = await bootstrapTenant(`ta${run}`, 'Ada');
  b = await bootstrapTenant(`tb${run}`, 'Bob');
  alpha = await createEntity(a, 'Alpha');
  alphaOther = await createEntity(a, 'Alpha Other');
  beta = await createEntity(b, 'Beta');
  caseA = await createInvestigation(a, 'Case A', [alpha, alphaOther]);
  caseB = await createInvestigation(b, 'Case B', [beta]);
  // Every setup event consumed and purged, so what follows is attributable.
  const setupTags = [alpha, alphaOther, beta].map((id) => `#Entity:${id}`);
  setupTags.push(`#Investigation:${caseA}`, `#Investigation:${caseB}`);
  await waitFor('the setup events to be consumed', () => {
    const seen = new Set(purged([a, b]));
    return setupTags.every((t) => seen.has(t));
  });
  // A response naming an entity invalidated less than 1 s before it started is not stored (the
  // caches' write fence allows 1 s of clock skew with Redis): let the setup's invalidations age.
  await new Promise((r) => setTimeout(r, 1100));
}, 240_000);

afterAll(async () => {
  await gwA?.stop();
  await gwB?.stop();
  for (const t of transports) await t.close().catch(() => {});
  for (const s of subgraphs.reverse()) await s.stop().catch(() => {});
  for (const s of shards.values()) await s.drop();
  await cf?.stop();
  // The consumer group's queues (work, retries, dead letters of every topic); the subgraphs still
  // share the exchange with other tests.
  for (const t of transports) await t.deleteDeclaredTopology({ keepExchange: true }).catch(() => {});
  const redis = new Redis(serviceUrls().redis);
  await dropPrefix(redis, prefix).catch(() => {});
  redis.disconnect();
}, 120_000);

const INVESTIGATION =
  'query Inv($id: ID!) { investigation(id: $id) { id title entities { id name version } } }';
const NAMES = 'query Names($id: ID!) { investigation(id: $id) { entities { name } } }';
const ENTITY = 'query E($id: ID!) { entity(id: $id) { id name createdBy { name } } }';
const SAVED = /^intelgraph_gateway_entity_fetches_saved_total\{.*subgraph="entities"/;

describe('gateway caching over the real subgraphs, two instances, RabbitMQ events, CloudFront', () => {
  it('a cached entity updated through one instance is fresh on the other once the event is consumed', async () => {
    // Through B: the investigation (its entities fetched from entities with _entities) is cached.
    const first = await post(gwB, INVESTIGATION, a.token, { id: caseA });
    expect(first.body.data.investigation.entities).toEqual([
      { id: alpha, name: 'Alpha', version: 1 },
      { id: alphaOther, name: 'Alpha Other', version: 1 },
    ]);
    // Tenant data is PRIVATE in the subgraphs' hints: never public, so no CDN keeps it.
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
    expect(first.headers.get('cache-tag')?.split(',')).toEqual(
      expect.arrayContaining([`Investigation:${caseA}`, `Entity:${alpha}`, `Entity:${alphaOther}`]),
    );
    const again = await post(gwB, INVESTIGATION, a.token, { id: caseA });
    expect(again.headers.get('age')).not.toBeNull(); // the response cache answered
    // Another query over the same entities: a response-cache miss, served by the entity cache.
    const saved = await metric(gwB, SAVED);
    expect((await data(gwB, NAMES, a.token, { id: caseA })).investigation.entities).toEqual([
      { name: 'Alpha' },
      { name: 'Alpha Other' },
    ]);
    expect(await metric(gwB, SAVED)).toBe(saved + 1);
    expect((await data(gwB, ENTITY, a.token, { id: alpha })).entity.name).toBe('Alpha');

    // The update goes through A.
    const since = cf.creations.length;
    const mutation = await post(
      gwA,
      'mutation U($id: ID!) { updateEntity(id: $id, input: { name: "Alpha v2" }) { id name version } }',
      a.token,
      { id: alpha },
    );
    expect(mutation.body.data.updateEntity).toEqual({ id: alpha, name: 'Alpha v2', version: 2 });
    expect(mutation.headers.get('cache-control')).toBe('no-store');
    expect(mutation.headers.get('cache-tag')).toBeNull();

    // The event is consumed once the CDN purge for it arrives (sent after the cache invalidation).
    await waitFor('the EntityUpdated event', () => purged([a, b], since).length > 0);
    // From now on, no stale read on either instance, through either cache.
    for (let round = 0; round < 3; round++) {
      for (const gw of [gwB, gwA]) {
        expect((await data(gw, INVESTIGATION, a.token, { id: caseA })).investigation.entities).toEqual([
          { id: alpha, name: 'Alpha v2', version: 2 },
          { id: alphaOther, name: 'Alpha Other', version: 1 },
        ]);
        expect((await data(gw, NAMES, a.token, { id: caseA })).investigation.entities).toEqual([
          { name: 'Alpha v2' },
          { name: 'Alpha Other' },
        ]);
        expect((await data(gw, ENTITY, a.token, { id: alpha })).entity).toEqual({
          id: alpha,
          name: 'Alpha v2',
          createdBy: { name: 'Ada' },
        });
      }
    }
    // The CloudFront invalidations name exactly the changed entity: not the other entity read
    // with it, not the investigation, not the other tenant's objects.
    await new Promise((r) => setTimeout(r, 1000));
    expect(purged([a, b], since)).toEqual([`#Entity:${alpha}`]);
    expect(cf.creations.every((r) => r.path.includes('/distribution/E2REALSUBGRAPHS/invalidation'))).toBe(
      true,
    );
  });

  it('two tenants asking the same queries each get their own data, from the caches too', async () => {
    const LIST = '{ entities(first: 20) { edges { node { id name } } } }';
    const ME = '{ me { name tenant { name } } }';
    const CASES = '{ investigations(first: 10) { edges { node { title entities { name } } } } }';
    const names = (d: { entities: { edges: { node: { id: string; name: string } }[] } }) =>
      d.entities.edges.map((e) => e.node.name).sort();
    await new Promise((r) => setTimeout(r, 1100)); // the previous test's invalidation ages (see beforeAll)
    const hits = async (cache: string) => {
      const line = new RegExp(`^intelgraph_gateway_cache_lookups_total\\{cache="${cache}",result="hit"`);
      return (await metric(gwA, line)) + (await metric(gwB, line));
    };
    const [responseHits, entityHits] = [await hits('response'), await hits('entity')];
    // Twice through each instance, interleaved: the second rounds come from the response and
    // entity caches, which must key them by tenant and user.
    for (let round = 0; round < 2; round++) {
      for (const gw of [gwA, gwB]) {
        for (const [tenant, own, other] of [
          [a, ['Alpha', 'Alpha Other', 'Alpha v2'], beta],
          [b, ['Beta'], alpha],
        ] as const) {
          const list = await post(gw, LIST, tenant.token);
          const seen = names(list.body.data);
          expect(seen).toHaveLength(tenant === a ? 2 : 1);
          expect(seen.every((n) => (own as readonly string[]).includes(n))).toBe(true);
          expect(
            list.body.data.entities.edges.every((e: { node: { id: string } }) =>
              e.node.id.startsWith(`${tenant.id}:`),
            ),
          ).toBe(true);
          expect(list.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
          expect((await data(gw, ME, tenant.token)).me).toEqual({
            name: tenant.userName,
            tenant: { name: `${tenant.id} Corp` },
          });
          const cases = (await data(gw, CASES, tenant.token)).investigations.edges.map(
            (e: { node: unknown }) => e.node,
          );
          expect(cases).toEqual(
            tenant === a
              ? [
                  {
                    title: 'Case A',
                    entities: [{ name: expect.stringMatching(/^Alpha/) }, { name: 'Alpha Other' }],
                  },
                ]
              : [{ title: 'Case B', entities: [{ name: 'Beta' }] }],
          );
          // The other tenant's entity, by id: not found, even though it is in the caches.
          expect((await post(gw, ENTITY, tenant.token, { id: other })).body.data?.entity ?? null).toBeNull();
        }
      }
    }
    // The caches did answer: each of the 3 queries × 2 tenants at least on the second round.
    expect((await hits('response')) - responseHits).toBeGreaterThanOrEqual(12);
    expect((await hits('entity')) - entityHits).toBeGreaterThan(0);
  });

  it("a tenant's new entity shows in its cached lists, even an empty one, and leaves other tenants' cached lists", async () => {
    const LIST = '{ entities(first: 20) { edges { node { id name } } } }';
    const names = (reply: Reply) =>
      reply.body.data.entities.edges.map((e: { node: { name: string } }) => e.node.name);
    const c = await bootstrapTenant(`tc${run}`, 'Cy');
    await new Promise((r) => setTimeout(r, 1100)); // earlier invalidations age (see beforeAll)
    // Cached: tenant C's empty list, and tenant B's list.
    for (const gw of [gwA, gwB]) {
      expect(names(await post(gw, LIST, c.token))).toEqual([]);
      expect(names(await post(gw, LIST, b.token))).toEqual(['Beta']);
    }
    const cachedC = await post(gwB, LIST, c.token);
    const cachedB = await post(gwB, LIST, b.token);
    expect([cachedC.headers.get('age'), cachedB.headers.get('age')]).not.toContain(null);

    const gamma = await createEntity(c, 'Gamma');
    await waitFor('the EntityCreated event', () => purged([c]).includes(`#Entity:${gamma}`));
    // C's list is fresh on both instances: the empty list was tagged with the type it can hold.
    for (const gw of [gwA, gwB]) expect(names(await post(gw, LIST, c.token))).toEqual(['Gamma']);
    // B's cached list was not purged by C's creation: still answered by the response cache.
    for (const gw of [gwA, gwB]) {
      const list = await post(gw, LIST, b.token);
      expect(names(list)).toEqual(['Beta']);
      expect(list.headers.get('age'), 'served from the response cache').not.toBeNull();
    }
  });
});
