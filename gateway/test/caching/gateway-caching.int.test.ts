import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@intelgraph/config';
import { InProcessTransport } from '@intelgraph/message-queue-enhanced';
import { createLogger } from '@intelgraph/telemetry';
import { serviceUrls } from '@intelgraph/test-support';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloudFront } from '../../../packages/advanced-caching/test/helpers/fake-cloudfront.js';
import { buildGateway } from '../../src/build-gateway.js';
import { configSpec } from '../../src/config.js';
import type { Gateway } from '../../src/gateway-server.js';
import { composeSupergraph } from '../../src/supergraph/compose.js';
import { type CachedSubgraphs, startCachedSubgraphs } from './fixtures/cached-subgraphs.js';

const JWT_SECRET = 'j'.repeat(40);
const IDENTITY_SECRET = 'i'.repeat(40);
const ADMIN_TOKEN = 'a'.repeat(32);

function token(tenant: string, user: string, scope = 'read write'): Promise<string> {
  return new SignJWT({ tenant, scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
}

async function post(gateway: Gateway, query: string, auth?: string, variables?: unknown): Promise<Reply> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

let subgraphs: CachedSubgraphs;
let events: InProcessTransport;
let cf: FakeCloudFront;
let gw1: Gateway;
let gw2: Gateway;
const prefix = `ig:gw-test:${randomUUID()}`;

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-caching-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(subgraphs.all));
  const config = loadConfig(configSpec, {
    LOG_LEVEL: 'silent',
    SUPERGRAPH_PATH: supergraphPath,
    JWT_SECRET,
    IDENTITY_SECRET,
    REDIS_URL: serviceUrls().redis,
    CACHE_RESPONSES: 'true',
    CACHE_ENTITIES: 'true',
    CACHE_CDN_HEADERS: 'true',
    CACHE_PREFIX: prefix,
    CACHE_ADMIN_TOKEN: ADMIN_TOKEN,
    CLOUDFRONT_DISTRIBUTION_ID: 'E2TESTDIST',
    CLOUDFRONT_ENDPOINT: cf.endpoint,
    ...env,
  });
  const gateway = await buildGateway(config, {
    log: createLogger({ service: 'gateway', level: 'silent' }),
    cacheEvents: events,
  });
  await gateway.start(0, '127.0.0.1');
  return gateway;
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';
  cf = new FakeCloudFront();
  await cf.start();
  // One event bus for both instances, as RabbitMQ would be: both consume in one group.
  events = new InProcessTransport({ defaultGroup: 'test' });
  subgraphs = await startCachedSubgraphs({ identitySecret: IDENTITY_SECRET, events });
  gw1 = await startGateway({});
  gw2 = await startGateway({});
});

afterAll(async () => {
  await gw1?.stop();
  await gw2?.stop();
  await events?.close();
  await subgraphs?.stop();
  await cf?.stop();
});

const ENTITY = 'query E($id: ID!) { entity(id: $id) { id kind name } }';

describe('gateway caching across two instances sharing Redis', () => {
  it('serves a cached entity on the other instance, then the new value after the update event', async () => {
    const t = await token('acme', 'u1');
    const first = await post(gw1, ENTITY, t, { id: '7' });
    expect(first.body.data.entity).toEqual({ id: '7', kind: 'person', name: 'name-7' });
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
    expect(first.headers.get('cache-tag')).toBe('Entity,Entity:7');
    expect(first.headers.get('surrogate-key')).toBe('Entity Entity:7');

    const before = { ...subgraphs.calls };
    const other = await post(gw2, ENTITY, t, { id: '7' });
    expect(other.body.data.entity.name).toBe('name-7');
    // Served by the shared response cache: neither subgraph was asked.
    expect(subgraphs.calls).toEqual(before);

    const mutation = await post(gw1, 'mutation { renameEntity(id: "7", name: "Renamed") { id name } }', t);
    expect(mutation.body.data.renameEntity.name).toBe('Renamed');
    expect(mutation.headers.get('cache-control')).toBe('no-store');
    expect(mutation.headers.get('cache-tag')).toBeNull();

    const fresh = await eventually(
      () => post(gw2, ENTITY, t, { id: '7' }),
      (r) => r.body.data.entity.name === 'Renamed',
    );
    expect(fresh.body.data.entity.name).toBe('Renamed');
    expect((await post(gw1, ENTITY, t, { id: '7' })).body.data.entity.name).toBe('Renamed');
  });

  it('names entities fetched by key even when the client did not select the key, else caps the max-age', async () => {
    const t = await token('acme', 'u1');
    const byFetch = await post(gw1, '{ entity(id: "52") { name } }', t);
    expect(byFetch.body.data.entity).toEqual({ name: 'name-52' });
    expect(byFetch.headers.get('cache-tag')).toBe('Entity,Entity:52');
    // No key in the response, none fetched: the entity cannot be purged by name, so 5 s at most.
    const unnamed = await post(gw1, '{ entity(id: "53") { kind } }', t);
    expect(unnamed.headers.get('cache-tag')).toBe('Entity');
    expect(unnamed.headers.get('cache-control')).toBe('private, max-age=5');
  });

  it('a different query over cached entities fetches only the misses from the entity subgraph', async () => {
    const t = await token('acme', 'u1');
    await post(gw1, 'query { entity(id: "21") { id name } }', t);
    subgraphs.entityFetches.length = 0;
    const both = await post(gw2, 'query Many { entities(ids: ["21", "22"]) { id name } }', t);
    expect(both.body.data.entities).toEqual([
      { id: '21', name: 'name-21' },
      { id: '22', name: 'name-22' },
    ]);
    // Entity 21 came from the entity cache (filled through the other instance).
    expect(subgraphs.entityFetches).toEqual([[{ __typename: 'Entity', id: '22' }]]);
    subgraphs.entityFetches.length = 0;
    const again = await post(gw1, 'query Other { entities(ids: ["22", "21"]) { name id } }', t);
    expect(again.body.data.entities).toEqual([
      { name: 'name-22', id: '22' },
      { name: 'name-21', id: '21' },
    ]);
    expect(subgraphs.entityFetches).toEqual([]);
  });

  it('never serves private data of one tenant or user to another', async () => {
    const a = await token('tenant-a', 'same-user');
    const b = await token('tenant-b', 'same-user');
    const c = await token('tenant-a', 'other-user');
    const ME = '{ me { tenant user } }';
    for (let i = 0; i < 2; i++) {
      expect((await post(gw1, ME, a)).body.data.me).toEqual({ tenant: 'tenant-a', user: 'same-user' });
      expect((await post(gw2, ME, b)).body.data.me).toEqual({ tenant: 'tenant-b', user: 'same-user' });
      expect((await post(gw1, ME, c)).body.data.me).toEqual({ tenant: 'tenant-a', user: 'other-user' });
    }
    const before = subgraphs.calls.catalog;
    // Cached per user: a third round asks the subgraph nothing, and still answers each its own.
    expect((await post(gw2, ME, a)).body.data.me).toEqual({ tenant: 'tenant-a', user: 'same-user' });
    expect((await post(gw1, ME, b)).body.data.me).toEqual({ tenant: 'tenant-b', user: 'same-user' });
    expect(subgraphs.calls.catalog).toBe(before);
    expect((await post(gw1, ME, a)).headers.get('cache-control')).toBe('private, max-age=60');
    // Entities of one tenant are not served to another either.
    await post(gw1, 'mutation { renameEntity(id: "5", name: "A-only") { id } }', a);
    const forA = await eventually(
      () => post(gw1, ENTITY, a, { id: '5' }),
      (r) => r.body.data.entity.name === 'A-only',
    );
    expect(forA.body.data.entity.name).toBe('A-only');
    expect((await post(gw2, ENTITY, b, { id: '5' })).body.data.entity.name).toBe('name-5');
  });

  it('sends CloudFront invalidations naming exactly the changed entities', async () => {
    const t = await token('acme', 'u1');
    await post(gw1, ENTITY, t, { id: '31' });
    await post(gw1, ENTITY, t, { id: '32' });
    await post(gw2, 'mutation { renameEntity(id: "31", name: "x") { id } }', t);
    await post(gw2, 'mutation { renameEntity(id: "32", name: "y") { id } }', t);
    // Every invalidation this file caused so far: the entities renamed by the tests above (7 and 5)
    // and here (31, 32) — none of the entities only read (21, 22, 41), nothing twice.
    const sent = await eventually(
      async () => cf.creations.flatMap((r) => r.items).sort(),
      (items) => items.length >= 4,
    );
    expect(sent).toEqual(['#Entity:31', '#Entity:32', '#Entity:5', '#Entity:7']);
    expect(cf.creations.every((r) => r.path.includes('/distribution/E2TESTDIST/invalidation'))).toBe(true);
  });

  it('lets a CDN cache an anonymous persisted GET query, with its tags', async () => {
    const open = await startGateway({ ALLOW_ANONYMOUS: 'true' });
    try {
      const query = 'query Anon($id: ID!) { entity(id: $id) { id name } }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      const registered = await fetch(open.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { id: '61' }, extensions }),
      });
      expect(registered.status).toBe(200);
      const search = new URLSearchParams({
        variables: JSON.stringify({ id: '61' }),
        extensions: JSON.stringify(extensions),
      });
      const res = await fetch(`${open.url}?${search}`);
      expect(await res.json()).toEqual({ data: { entity: { id: '61', name: 'name-61' } } });
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      expect(res.headers.get('cache-tag')).toBe('Entity,Entity:61');
    } finally {
      await open.stop();
    }
  });

  it('does not store a response whose entity was invalidated while it was being computed', async () => {
    const t = await token('acme', 'u1');
    const admin = `${new URL(gw2.url).origin}/admin/cache/invalidate?entity=Entity:81`;
    // gw1 asks details for entity 81; details reads the old name, and its answer is held.
    const held = subgraphs.hold('details');
    const racing = post(gw1, ENTITY, t, { id: '81' });
    await held.reached;
    subgraphs.names.set('acme/81', 'changed-while-fetching');
    const res = await fetch(admin, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    held.release();
    expect((await racing).body.data.entity.name).toBe('name-81');
    // Neither the response cache nor the entity cache kept what was read before the change.
    for (const gw of [gw2, gw1])
      expect((await post(gw, ENTITY, t, { id: '81' })).body.data.entity.name).toBe('changed-while-fetching');
  });

  it('invalidates by entity through the authenticated admin endpoint', async () => {
    const t = await token('acme', 'u1');
    const url = `${new URL(gw1.url).origin}/admin/cache/invalidate?entity=Entity:41`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    await post(gw1, ENTITY, t, { id: '41' });
    subgraphs.names.set('acme/41', 'changed-behind-the-cache');
    expect((await post(gw2, ENTITY, t, { id: '41' })).body.data.entity.name).toBe('name-41');
    const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ invalidated: ['Entity:41'] });
    expect((await post(gw2, ENTITY, t, { id: '41' })).body.data.entity.name).toBe('changed-behind-the-cache');
    const bad = await fetch(`${new URL(gw1.url).origin}/admin/cache/invalidate?tag=a,b`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as { errors: { extensions: { code: string } }[] };
    expect(error.errors[0]?.extensions.code).toBe('CACHE_INVALIDATION_INVALID');
    const metrics = await (await fetch(`${new URL(gw1.url).origin}/metrics`)).text();
    expect(metrics).toMatch(
      /intelgraph_gateway_cache_lookups_total\{cache="entity",result="hit"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /intelgraph_gateway_cache_lookups_total\{cache="response",result="hit"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /intelgraph_gateway_cache_invalidations_total\{source="admin",target="cache"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/intelgraph_gateway_cache_hit_ratio\{cache="response"[^}]*\} 0\.\d+/);
  });
});
