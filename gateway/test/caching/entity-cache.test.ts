import type { IncomingMessage, ServerResponse } from 'node:http';
import { MultiTierCache } from '@intelgraph/advanced-caching';
import { createLogger, createMetricsRegistry } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { CacheControls } from '../../src/caching/cache-controls.js';
import { CacheHintIndex } from '../../src/caching/cache-hints.js';
import { stableJson } from '../../src/caching/cache-keys.js';
import { createGatewayCaching, type GatewayCachingConfig } from '../../src/caching/create-gateway-caching.js';
import {
  compileSelection,
  parseEntitiesFetch,
  project,
  projectCompiled,
  usesVariables,
} from '../../src/caching/entity-selection.js';
import { cacheStateOf } from '../../src/caching/request-cache-state.js';
import { useEntityCache } from '../../src/caching/use-entity-cache.js';
import type { RequestState, SubgraphFetch, SubgraphRequest } from '../../src/plugin.js';

const log = createLogger({ service: 'test', level: 'silent' });

function request(tenantId = 't1'): RequestState {
  const state: RequestState = {
    requestId: 'r',
    req: {} as IncomingMessage,
    res: {} as ServerResponse,
    method: 'POST',
    startedAt: 0,
    log,
    params: {},
    identity: { tenantId, userId: 'u1', scopes: ['read'] },
    identityKey: `${tenantId}|u1`,
    traceparent: undefined,
    operationName: undefined,
    operationType: 'query',
    errorCode: undefined,
    responseHeaders: new Map(),
  };
  cacheStateOf(state).policy = { maxAge: 60, scope: 'public', noStore: false };
  return state;
}

const hintsOf = (maxAge: number) =>
  CacheHintIndex.fromSupergraph(`
directive @cacheControl(maxAge: Int, scope: S) on FIELD_DEFINITION | OBJECT
directive @join__type(graph: G, key: String) repeatable on OBJECT
enum S { PUBLIC PRIVATE } enum G { X }
type Query { e: Entity }
type Entity @join__type(graph: X, key: "id") @cacheControl(maxAge: ${maxAge}) { id: ID! name: String tags(first: Int): [String] }`);

const BY_VARIABLE =
  'query($representations:[_Any!]!,$n:Int){_entities(representations:$representations){...on Entity{name tags(first:$n)}}}';
const NAME_ONLY =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Entity{name}}}';

function entitiesFetch(
  state: RequestState,
  ids: string[],
  query = NAME_ONLY,
  variables: Record<string, unknown> = {},
): SubgraphRequest {
  return {
    subgraph: 'details',
    url: 'http://details/graphql',
    body: JSON.stringify({
      query,
      variables: { ...variables, representations: ids.map((id) => ({ __typename: 'Entity', id })) },
    }),
    headers: {},
    idempotent: true,
    state,
  };
}

/** A subgraph answering `name` and `tags(first: n)` for every entity; counts its calls. */
function subgraph() {
  const calls: string[][] = [];
  const fetch: SubgraphFetch = async (req) => {
    const body = JSON.parse(req.body);
    const reps = body.variables.representations as { id: string }[];
    const n = (body.variables.n as number | undefined) ?? 0;
    calls.push(reps.map((r) => r.id));
    return {
      status: 200,
      body: {
        data: {
          _entities: reps.map((r) => ({
            name: `name-${r.id}`,
            ...(String(body.query).includes('tags')
              ? { tags: Array.from({ length: n }, (_, i) => `${r.id}.${i}`) }
              : {}),
          })),
        },
      },
    };
  };
  return { fetch, calls };
}

describe('entity cache: compiled selections', () => {
  it('projects like the AST walk, and knows when a selection depends on the variables', () => {
    const f = parseEntitiesFetch(
      'query($r:[_Any!]!,$n:Int){_entities(representations:$r){...on A{ a: x list(first: 2) { y } ...F } } } fragment F on A { z }',
    )!;
    const set = f.selectionFor('A')!;
    const stored = { x: 1, 'list({"first":2})': [{ y: 1 }, null], z: 'z' };
    expect(projectCompiled(stored, compileSelection(set, {}, f.fragments))).toEqual({
      a: 1,
      list: [{ y: 1 }, null],
      z: 'z',
    });
    expect(project(stored, set, {}, f.fragments)).toEqual({ a: 1, list: [{ y: 1 }, null], z: 'z' });
    // A field missing (or only on the prototype) is a miss, never a wrong answer.
    expect(projectCompiled({ x: 1, z: 'z' }, compileSelection(set, {}, f.fragments))).toBeUndefined();
    expect(usesVariables(set, f.fragments)).toBe(false);
    const v = parseEntitiesFetch(BY_VARIABLE)!;
    expect(usesVariables(v.selectionFor('Entity')!, v.fragments)).toBe(true);
    expect(compileSelection(v.selectionFor('Entity')!, { n: 3 }, v.fragments)[1]!.key).toBe(
      'tags({"first":3})',
    );
  });

  it('keys representations by their sorted JSON, whatever the key order', () => {
    expect(stableJson({ b: [1, { d: 2, c: undefined, a: null }], a: 'x', __typename: 'T' })).toBe(
      '{"__typename":"T","a":"x","b":[1,{"a":null,"d":2}]}',
    );
    expect(stableJson({ id: '1', __typename: 'T' })).toBe(stableJson({ __typename: 'T', id: '1' }));
  });

  it('resolves argument variables per fetch: another value is another field, the same one a hit', async () => {
    const sub = subgraph();
    const hints = hintsOf(120);
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
    }).wrapSubgraphFetch!(sub.fetch, 'details');
    const run = async (n: number) =>
      (await fetch(entitiesFetch(request(), ['1'], BY_VARIABLE, { n }))).body.data;
    expect(await run(2)).toEqual({ _entities: [{ name: 'name-1', tags: ['1.0', '1.1'] }] });
    expect(await run(3)).toEqual({ _entities: [{ name: 'name-1', tags: ['1.0', '1.1', '1.2'] }] });
    expect(await run(2)).toEqual({ _entities: [{ name: 'name-1', tags: ['1.0', '1.1'] }] });
    expect(await run(3)).toEqual({ _entities: [{ name: 'name-1', tags: ['1.0', '1.1', '1.2'] }] });
    expect(sub.calls).toEqual([['1'], ['1']]);
  });

  it('re-plans a query when the hint index changes (a new supergraph)', async () => {
    const sub = subgraph();
    let hints = hintsOf(120);
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
    }).wrapSubgraphFetch!(sub.fetch, 'details');
    await fetch(entitiesFetch(request(), ['1']));
    await fetch(entitiesFetch(request(), ['1']));
    expect(sub.calls).toEqual([['1']]);
    hints = hintsOf(0); // the type is no longer cacheable
    await fetch(entitiesFetch(request(), ['1']));
    await fetch(entitiesFetch(request(), ['1']));
    expect(sub.calls).toEqual([['1'], ['1'], ['1']]);
  });

  it('remembers a fetch body without its audience: the same body from another tenant is its own entry', async () => {
    const sub = subgraph();
    const hints = hintsOf(120);
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
    }).wrapSubgraphFetch!(sub.fetch, 'details');
    for (const tenant of ['t1', 't2', 't1', 't2'])
      expect((await fetch(entitiesFetch(request(tenant), ['1', '2']))).body.data).toEqual({
        _entities: [{ name: 'name-1' }, { name: 'name-2' }],
      });
    expect(sub.calls).toEqual([
      ['1', '2'],
      ['1', '2'],
    ]);
    // A partial hit still sends only the misses, from the remembered body.
    await fetch(entitiesFetch(request('t1'), ['3', '1']));
    expect(sub.calls.at(-1)).toEqual(['3']);
  });

  it('with trackResponsePolicy off, caches the same but leaves the response policy alone', async () => {
    const sub = subgraph();
    const hints = hintsOf(5);
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
      trackResponsePolicy: false,
    }).wrapSubgraphFetch!(sub.fetch, 'details');
    const first = request();
    await fetch(entitiesFetch(first, ['1', '2']));
    const second = request();
    expect((await fetch(entitiesFetch(second, ['2', '1']))).body.data).toEqual({
      _entities: [{ name: 'name-2' }, { name: 'name-1' }],
    });
    expect(sub.calls).toEqual([['1', '2']]);
    for (const state of [first, second])
      expect(cacheStateOf(state).policy).toEqual({ maxAge: 60, scope: 'public', noStore: false });
  });
});

describe('gateway caching: what runs per request', () => {
  const config: GatewayCachingConfig = {
    cacheResponses: false,
    cacheEntities: true,
    cacheCdnHeaders: false,
    cacheDefaultMaxAge: 60,
    cacheMaxAgeCap: 86_400,
    cacheL1MaxEntries: 100,
    cachePrefix: 'ig:test',
    cacheEventsTopics: [],
    cacheEventsGroup: 'gateway-cache',
    cdnUntaggedMaxAge: 5,
  };
  const build = (overrides: Partial<GatewayCachingConfig>) =>
    createGatewayCaching({ ...config, ...overrides }, { log, registry: createMetricsRegistry() });

  it('the entity cache alone computes no response policy, tags or CDN headers', async () => {
    const caching = build({});
    try {
      expect(caching.plugins.map((p) => p.name)).toEqual(['cache-hints', 'caching-resources']);
      const hints = caching.plugins[0]!;
      expect(hints.onRequest ?? hints.onOperation ?? hints.wrapSubgraphFetch).toBeUndefined();
      expect(hints.apolloPlugins ?? []).toHaveLength(0);
      expect(caching.fetchPlugins.map((p) => p.name)).toEqual(['entity-cache']);
    } finally {
      for (const p of caching.plugins) await p.stop?.();
    }
  });

  it('with the response cache or CDN headers, policies, tags and headers are computed', async () => {
    for (const overrides of [{ cacheResponses: true }, { cacheCdnHeaders: true }]) {
      const caching = build(overrides);
      try {
        const names = caching.plugins.map((p) => p.name);
        expect(names).toContain('cdn-headers');
        const hints = caching.plugins[0]!;
        expect(hints.onOperation).toBeDefined();
        expect(hints.wrapSubgraphFetch).toBeDefined();
        expect(hints.apolloPlugins?.length).toBe(1);
      } finally {
        for (const p of caching.plugins) await p.stop?.();
      }
    }
  });
});
