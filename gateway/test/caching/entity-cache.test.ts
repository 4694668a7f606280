import type { IncomingMessage, ServerResponse } from 'node:http';
import { MultiTierCache } from '@intelgraph/advanced-caching';
import { createLogger, createMetricsRegistry } from '@intelgraph/telemetry';
import { describe, expect, it } from 'vitest';
import { CacheControls } from '../../src/caching/cache-controls.js';
import { CacheHintIndex } from '../../src/caching/cache-hints.js';
import { stableJson } from '../../src/caching/cache-keys.js';
import { createGatewayCaching, type GatewayCachingConfig } from '../../src/caching/create-gateway-caching.js';
import {
  canonicalize,
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
    // `$n` as the subgraph reads it: the value sent, else the operation's default, else none.
    const n = (body.variables.n as number | undefined) ?? Number(/\$n:Int=(\d+)/.exec(body.query)?.[1] ?? 0);
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

  it('projects one response key selected twice (kept apart by a directive) with both selections', () => {
    // The planner sends `attachments { depicts { … } }` and `attachments @include(if: …) { … }`
    // as two fields; projecting the second over the first answered `depicts: null` from the cache
    // where the subgraph (and vanilla Apollo Gateway) gave `depicts: {}` (the differential test's find).
    const f = parseEntitiesFetch(
      'query($r:[_Any!]!){_entities(representations:$r){...on M{ att { __typename depicts { __typename } } att @include(if: true) { t1: __typename } } } }',
    )!;
    const set = f.selectionFor('M')!;
    const fetched = { att: [{ __typename: 'Photo', depicts: { __typename: 'Review' } }] };
    const stored = canonicalize(fetched, set, {}, f.fragments)!;
    expect(projectCompiled(stored, compileSelection(set, {}, f.fragments))).toEqual({
      att: [{ __typename: 'Photo', depicts: { __typename: 'Review' }, t1: 'Photo' }],
    });
  });

  it('projects what @skip/@include leave in, as the subgraph answers: nothing more, nothing less', () => {
    // A cached `weight(unit: LB)` handed to the plan under `@include(if: false)` completed a
    // @requires representation the subgraph would not have, and a field vanilla Apollo Gateway
    // leaves null got a value (the differential test's find).
    const f = parseEntitiesFetch(
      'query($r:[_Any!]!,$x:Boolean!){_entities(representations:$r){...on P{ sku ... on P @include(if: false) { weight(unit: LB) } dims @skip(if: $x) { w } ...F @include(if: $x) } } } fragment F on P { region }',
    )!;
    const set = f.selectionFor('P')!;
    const stored = { sku: 'S', 'weight({"unit":"LB"})': 3, dims: { w: 1 }, region: 'EU' };
    expect(usesVariables(set, f.fragments)).toBe(true);
    expect(projectCompiled(stored, compileSelection(set, { x: true }, f.fragments))).toEqual({
      sku: 'S',
      region: 'EU',
    });
    expect(projectCompiled(stored, compileSelection(set, { x: false }, f.fragments))).toEqual({
      sku: 'S',
      dims: { w: 1 },
    });
    // What the subgraph left out is not stored either.
    expect(canonicalize({ sku: 'S', dims: { w: 1 } }, set, { x: false }, f.fragments)).toEqual({
      sku: 'S',
      dims: { w: 1 },
    });
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

  it('reads arguments with the operation’s variable defaults: f(a: $x) with $x defaulted is not f without a', async () => {
    const sub = subgraph();
    const hints = hintsOf(120);
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
    }).wrapSubgraphFetch!(sub.fetch, 'details');
    const DEFAULTED =
      'query($representations:[_Any!]!,$n:Int=3){_entities(representations:$representations){...on Entity{name tags(first:$n)}}}';
    // `$n` unset without a default: the argument is absent (the subgraph gives no tags).
    expect((await fetch(entitiesFetch(request(), ['1'], BY_VARIABLE))).body.data).toEqual({
      _entities: [{ name: 'name-1', tags: [] }],
    });
    // Unset with a default of 3: another field, not a hit on the entry above (the differential
    // test found `shippingCostTo(zone: 0, express: $v)` with `$v = true` served the `express: false` answer).
    expect((await fetch(entitiesFetch(request(), ['1'], DEFAULTED))).body.data).toEqual({
      _entities: [{ name: 'name-1', tags: ['1.0', '1.1', '1.2'] }],
    });
    expect((await fetch(entitiesFetch(request(), ['1'], BY_VARIABLE, { n: 3 }))).body.data).toEqual({
      _entities: [{ name: 'name-1', tags: ['1.0', '1.1', '1.2'] }],
    });
    expect(sub.calls).toEqual([['1'], ['1']]);
  });

  it('applies fragments on the implementations to an entity interface’s representations (@interfaceObject)', async () => {
    // Representations typed `Media` (an interface object) with `... on Book { … }`: the Book
    // fragment applies to them. Keyed by `... on Media` alone, a cached `{ __typename }` was a
    // hit for a query asking `pages` and `title`, answered null (the differential test's find).
    const hints = CacheHintIndex.fromSupergraph(`
directive @cacheControl(maxAge: Int) on OBJECT | INTERFACE
directive @join__type(graph: G, key: String) repeatable on OBJECT | INTERFACE
enum G { X }
interface Media @join__type(graph: X, key: "id") @cacheControl(maxAge: 60) { id: ID! title: String }
type Book implements Media @join__type(graph: X, key: "id") @cacheControl(maxAge: 60) { id: ID! title: String pages: Int }
type Movie implements Media @join__type(graph: X, key: "id") @cacheControl(maxAge: 60) { id: ID! title: String }`);
    expect(hints.overlaps('Book', 'Media')).toBe(true);
    expect(hints.overlaps('Movie', 'Book')).toBe(false);
    const calls: string[] = [];
    const upstream: SubgraphFetch = async (req) => {
      const body = JSON.parse(req.body);
      calls.push(body.query);
      const book = {
        __typename: 'Book',
        ...(body.query.includes('pages') ? { pages: 412, a0: 'Dune' } : {}),
      };
      return { status: 200, body: { data: { _entities: [book] } } };
    };
    const fetch = useEntityCache({
      cache: new MultiTierCache({ stampedePrevention: false }),
      hints: () => hints,
      controls: new CacheControls(),
    }).wrapSubgraphFetch!(upstream, 'catalog');
    const ask = (query: string) =>
      fetch({
        subgraph: 'catalog',
        url: 'http://catalog/graphql',
        body: JSON.stringify({ query, variables: { r: [{ __typename: 'Media', id: 'b1' }] } }),
        headers: {},
        idempotent: true,
        state: request(),
      });
    const TYPENAME = 'query($r:[_Any!]!){_entities(representations:$r){...on Media{__typename}}}';
    const BOOK =
      'query($r:[_Any!]!){_entities(representations:$r){...on Book{pages a0:title}...on Media{__typename}}}';
    expect((await ask(TYPENAME)).body.data).toEqual({ _entities: [{ __typename: 'Book' }] });
    expect((await ask(BOOK)).body.data).toEqual({
      _entities: [{ __typename: 'Book', pages: 412, a0: 'Dune' }],
    });
    expect((await ask(BOOK)).body.data).toEqual({
      _entities: [{ pages: 412, a0: 'Dune', __typename: 'Book' }],
    });
    expect(calls).toEqual([TYPENAME, BOOK]);
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
