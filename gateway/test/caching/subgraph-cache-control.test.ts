import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MultiTierCache } from '@intelgraph/advanced-caching';
import { createLogger } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { CacheControls } from '../../src/caching/cache-controls.js';
import { CacheHintIndex } from '../../src/caching/cache-hints.js';
import { cacheStateOf } from '../../src/caching/request-cache-state.js';
import { subgraphCacheControl } from '../../src/caching/subgraph-cache-control.js';
import { useCacheHints } from '../../src/caching/use-cache-hints.js';
import { useEntityCache } from '../../src/caching/use-entity-cache.js';
import type { RequestState, SubgraphFetch, SubgraphRequest, SubgraphResponse } from '../../src/plugin.js';
import { createUndiciTransport } from '../../src/subgraph-fetch/undici-transport.js';

const log = createLogger({ service: 'test', level: 'silent' });

/** A request of tenant t1 / user u1 whose policy so far is `public, max-age=60`. */
function request(userId = 'u1'): RequestState {
  const state: RequestState = {
    requestId: 'r',
    req: {} as IncomingMessage,
    res: {} as ServerResponse,
    method: 'POST',
    startedAt: 0,
    log,
    params: {},
    identity: { tenantId: 't1', userId, scopes: ['read'] },
    identityKey: `t1|${userId}`,
    traceparent: undefined,
    operationName: undefined,
    operationType: 'query',
    errorCode: undefined,
    responseHeaders: new Map(),
  };
  cacheStateOf(state).policy = { maxAge: 60, scope: 'public', noStore: false };
  return state;
}

const ENTITIES =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Entity{name}}}';

function entitiesFetch(state: RequestState, ids: string[]): SubgraphRequest {
  return {
    subgraph: 'details',
    url: 'http://details/graphql',
    body: JSON.stringify({
      query: ENTITIES,
      variables: { representations: ids.map((id) => ({ __typename: 'Entity', id })) },
    }),
    headers: {},
    idempotent: true,
    state,
  };
}

/** A subgraph answering `_entities` with `names`, sending `cacheControl`; counts its calls. */
function subgraph(names: Map<string, string>, cacheControl?: string) {
  const calls: string[][] = [];
  const fetch: SubgraphFetch = async (req) => {
    const reps = JSON.parse(req.body).variables.representations as { id: string }[];
    calls.push(reps.map((r) => r.id));
    return {
      status: 200,
      body: { data: { _entities: reps.map((r) => ({ name: names.get(r.id) ?? null })) } },
      cacheControl,
    };
  };
  return { fetch, calls };
}

const hints = CacheHintIndex.fromSupergraph(`
directive @cacheControl(maxAge: Int, scope: S) on FIELD_DEFINITION | OBJECT
directive @join__type(graph: G, key: String) repeatable on OBJECT
enum S { PUBLIC PRIVATE } enum G { X }
type Query { e: Entity }
type Entity @join__type(graph: X, key: "id") @cacheControl(maxAge: 120) { id: ID! name: String }
type Me @join__type(graph: X, key: "id") @cacheControl(maxAge: 120, scope: PRIVATE) { id: ID! name: String }`);

function entityCache(cache = new MultiTierCache({ stampedePrevention: false })) {
  return {
    cache,
    plugin: useEntityCache({ cache, hints: () => hints, controls: new CacheControls() }),
  };
}

describe('subgraph Cache-Control headers', () => {
  it('parse into a restrictive policy (none when the header says nothing the gateway acts on)', () => {
    expect(subgraphCacheControl(undefined)).toBeUndefined();
    expect(subgraphCacheControl('public')).toBeUndefined();
    expect(subgraphCacheControl('max-age=30, public')).toEqual({
      maxAge: 30,
      scope: 'public',
      noStore: false,
    });
    expect(subgraphCacheControl('max-age=30, private')).toEqual({
      maxAge: 30,
      scope: 'private',
      noStore: false,
    });
    expect(subgraphCacheControl('private')?.scope).toBe('private');
    expect(subgraphCacheControl('Max-Age=60, S-MaxAge=20')?.maxAge).toBe(20);
    for (const uncacheable of [
      'no-store',
      'no-cache',
      'max-age=0, public',
      'max-age=abc',
      'private, no-store',
    ])
      expect(subgraphCacheControl(uncacheable)?.noStore).toBe(true);
  });

  it('reach the fetch pipeline from the subgraph transport', async () => {
    const server = createServer((req, res) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (req.url === '/hinted') headers['cache-control'] = 'max-age=30, private';
      res.writeHead(200, headers);
      res.end('{"data":{"ok":true}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = createUndiciTransport();
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const call = (path: string) =>
        transport.fetch({ ...entitiesFetch(request(), []), url: `${origin}${path}` });
      expect((await call('/hinted')).cacheControl).toBe('max-age=30, private');
      expect((await call('/plain')).cacheControl).toBeUndefined();
    } finally {
      await transport.close();
      server.close();
    }
  });

  it('narrow the response policy of the request whose fetch produced them', async () => {
    const plugin = useCacheHints(new CacheControls());
    const answer =
      (cacheControl?: string): SubgraphFetch =>
      async () => ({ status: 200, body: { data: {} }, cacheControl });
    const run = async (cacheControl?: string) => {
      const state = request();
      await plugin.wrapSubgraphFetch!(answer(cacheControl), 'details')({ ...entitiesFetch(state, []) });
      return cacheStateOf(state).policy;
    };
    expect(await run()).toEqual({ maxAge: 60, scope: 'public', noStore: false });
    expect(await run('max-age=10, public')).toEqual({ maxAge: 10, scope: 'public', noStore: false });
    expect(await run('max-age=300, private')).toEqual({ maxAge: 60, scope: 'private', noStore: false });
    expect((await run('no-store')).noStore).toBe(true);
  });

  it('cap the entity cache TTL, and a cached entity caps the response at its remaining freshness', async () => {
    const { plugin } = entityCache();
    const names = new Map([['1', 'Ada']]);
    const sub = subgraph(names, 'max-age=5, public');
    const fetch = plugin.wrapSubgraphFetch!(sub.fetch, 'details');
    const first = request();
    const answer = await fetch(entitiesFetch(first, ['1']));
    expect(answer.body.data).toEqual({ _entities: [{ name: 'Ada' }] });
    const second = request();
    expect((await fetch(entitiesFetch(second, ['1']))).body.data).toEqual({ _entities: [{ name: 'Ada' }] });
    expect(sub.calls).toEqual([['1']]);
    // The type's hint says 120 s; the header allowed 5: a response built from it may live ≤ 5 s.
    expect(cacheStateOf(second).policy.maxAge).toBeLessThanOrEqual(5);
  });

  it('store nothing after no-store, nor a private answer under a key shared by the tenant', async () => {
    for (const header of ['no-store', 'max-age=60, private']) {
      const { plugin } = entityCache();
      const sub = subgraph(new Map([['1', 'Ada']]), header);
      const fetch = plugin.wrapSubgraphFetch!(sub.fetch, 'details');
      await fetch(entitiesFetch(request('u1'), ['1']));
      await fetch(entitiesFetch(request('u1'), ['1']));
      expect(sub.calls, header).toEqual([['1'], ['1']]);
    }
  });
});

describe('entity cache: a fetch racing an invalidation', () => {
  it('does not store what a fetch read before an invalidation that landed while it ran', async () => {
    const { cache, plugin } = entityCache();
    const names = new Map([['1', 'old name']]);
    const sub = subgraph(names, 'max-age=60, public');
    // The subgraph read the row before the update; its answer is held until after the event.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: SubgraphFetch = async (req): Promise<SubgraphResponse> => {
      const answer = await sub.fetch(req);
      await held;
      return answer;
    };
    const fetch = plugin.wrapSubgraphFetch!(slow, 'details');
    const racing = fetch(entitiesFetch(request(), ['1']));
    await new Promise((resolve) => setTimeout(resolve, 10));
    names.set('1', 'new name');
    await cache.invalidateByTag(['Entity:1']);
    release();
    expect((await racing).body.data).toEqual({ _entities: [{ name: 'old name' }] });

    const after = plugin.wrapSubgraphFetch!(sub.fetch, 'details');
    expect((await after(entitiesFetch(request(), ['1']))).body.data).toEqual({
      _entities: [{ name: 'new name' }],
    });
    expect(cache.stats().fencedWrites).toBe(1);
  });
});
