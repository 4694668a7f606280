import type { MultiTierCache } from '@intelgraph/advanced-caching';
import type { SelectionSetNode } from 'graphql';
import type { RequestState, SubgraphFetch, SubgraphRequest, SubgraphResponse } from '../plugin.js';
import { audienceKey, sha256 } from './cache-keys.js';
import type { CachingMetrics } from './cache-metrics.js';
import { cacheControlValue, mergePolicies, NO_STORE, type ResponsePolicy } from './cache-policy.js';
import {
  type Canonical,
  type CompiledSelection,
  canonicalize,
  compileSelection,
  type EntitiesFetch,
  mergeCanonical,
  projectCompiled,
} from './entity-selection.js';
import { narrowPolicy } from './request-cache-state.js';
import { subgraphCacheControl } from './subgraph-cache-control.js';

/** What one subgraph query needs per entity type, computed once per query and hint index. */
export interface TypePlan {
  readonly set: SelectionSetNode;
  readonly policy: ResponsePolicy;
  readonly keyField: string | undefined;
  /** The selection compiled, when it does not depend on the fetch's variables. */
  readonly compiled: CompiledSelection | undefined;
}

export interface Representation {
  readonly __typename: string;
  readonly [key: string]: unknown;
}

/** One representation of a fetch body, ready to be looked up (its key lacks only the audience). */
export interface ShapeEntry {
  readonly rep: Representation;
  readonly plan: TypePlan | undefined;
  /** `e:<subgraph>:<type>:`; undefined when the entity is not cached. */
  readonly keyHead: string | undefined;
  /** `:<representation as stable JSON>`. */
  readonly keyTail: string;
  readonly ttl: number;
  readonly tags: string[];
}

/** A fetch body parsed and planned (shared by every fetch sending the same body: read only). */
export interface FetchShape {
  readonly fetch: EntitiesFetch;
  readonly body: { query: string; variables?: Record<string, unknown>; operationName?: string };
  readonly variables: Record<string, unknown>;
  readonly entries: readonly ShapeEntry[];
}

interface Slot {
  readonly entry: ShapeEntry;
  /** The entry's cache key for this request's audience; undefined when it is not cached. */
  readonly key: string | undefined;
  /** What the cache held for the key (possibly with fewer fields than this fetch selects). */
  cached: Canonical | undefined;
  /** The entity answered for this slot. */
  value: unknown;
  /** Fetched from the subgraph by this request (not served from the cache or another request's fetch). */
  fetched: boolean;
}

/** One call of the subgraph made for some of the slots. */
interface Fetched {
  readonly indices: readonly number[];
  readonly response: SubgraphResponse;
  readonly ok: boolean;
}

/** Where a stored entity keeps its expiry (epoch ms); no GraphQL field can be named so. */
const EXPIRES = '\u0000expires';

export interface EntityFetchDeps {
  readonly cache: MultiTierCache;
  readonly metrics: CachingMetrics | undefined;
  /** Narrow the request's response policy (when something reads it). */
  readonly track: boolean;
  readonly subgraph: string;
}

/**
 * Serves one `_entities` fetch through the cache: each representation is looked up (per
 * subgraph, tenant, scopes, user when private, type and key) with the cache's batched
 * read-through (`MultiTierCache.readThrough`: mget, fence, the misses fetched once — one subgraph
 * call for all of them, shared with concurrent requests of this gateway when the cache
 * single-flights — then stored, fenced on the entities' tags). A cached entity with fewer fields
 * than this fetch selects is a miss whose fetched form is merged into it. The answer is the cached
 * and fetched entities in the original order, errors re-pointed to the original indices.
 */
export async function serveEntitiesFetch(
  shape: FetchShape,
  request: SubgraphRequest & { readonly state: RequestState },
  next: SubgraphFetch,
  deps: EntityFetchDeps,
): Promise<SubgraphResponse> {
  const { fetch, variables, body } = shape;
  const { cache, metrics, track } = deps;
  const state = request.state;
  const slots = slotsOf(shape, state, track);
  const compiled = new Map<TypePlan, CompiledSelection>();
  const project = (slot: Slot, canonical: Canonical): unknown => {
    const tp = slot.entry.plan!;
    let fields = tp.compiled ?? compiled.get(tp);
    if (!fields) {
      fields = compileSelection(tp.set, variables, fetch.fragments);
      compiled.set(tp, fields);
    }
    return projectCompiled(canonical, fields);
  };
  let freshFor = Number.POSITIVE_INFINITY;
  const serveCached = (slot: Slot, canonical: Canonical): void => {
    slot.cached = canonical;
    slot.value = project(slot, canonical);
    const expires = canonical[EXPIRES];
    if (slot.value !== undefined && typeof expires === 'number')
      freshFor = Math.min(freshFor, expires - Date.now());
  };

  const fetches: Fetched[] = [];
  /** Fetches `indices` (one subgraph call); returns the storable canonical forms by key, with their TTLs. */
  const fetchSlots = async (indices: readonly number[], store: Map<string, number> | undefined) => {
    const sent =
      indices.length === slots.length
        ? request
        : {
            ...request,
            body: JSON.stringify({
              ...body,
              variables: { ...variables, [fetch.variable]: indices.map((i) => slots[i]!.entry.rep) },
            }),
          };
    const response = await next(sent);
    const data = response.body.data as Record<string, unknown> | null | undefined;
    const fetched = data?.[fetch.responseKey];
    const errors = response.body.errors as { path?: unknown[] }[] | undefined;
    if (track && (errors?.length || response.status !== 200)) narrowPolicy(state, NO_STORE);
    const ok = Array.isArray(fetched) && fetched.length === indices.length;
    fetches.push({ indices, response, ok });
    for (const i of indices) slots[i]!.fetched = true;
    const toStore = new Map<string, Canonical>();
    if (!ok) return toStore;
    const header = subgraphCacheControl(response.cacheControl);
    const failed = new Set<number>();
    for (const e of errors ?? [])
      if (e.path?.[0] === fetch.responseKey && typeof e.path[1] === 'number') failed.add(e.path[1]);
    const now = Date.now();
    indices.forEach((index, j) => {
      const slot = slots[index]!;
      const value = fetched[j];
      slot.value = value;
      if (
        !store ||
        !slot.key ||
        errors?.length ||
        failed.has(j) ||
        value === null ||
        typeof value !== 'object'
      )
        return;
      // The subgraph's header: never kept longer than it allows, and a private answer only under
      // a per-user key.
      const tp = slot.entry.plan!;
      if (header && (header.noStore || (header.scope === 'private' && tp.policy.scope !== 'private'))) return;
      const ttl = Math.min(slot.entry.ttl, header?.maxAge ?? Number.POSITIVE_INFINITY);
      if (!(ttl > 0)) return;
      const canonical = canonicalize(value, tp.set, variables, fetch.fragments);
      if (!canonical || typeof canonical !== 'object' || Array.isArray(canonical)) return;
      const merged = slot.cached ? mergeCanonical(slot.cached, canonical) : canonical;
      toStore.set(slot.key, { ...(merged as Canonical), [EXPIRES]: now + ttl * 1000 });
      store.set(slot.key, ttl);
    });
    return toStore;
  };

  const byKey = new Map<string, number[]>();
  const unkeyed: number[] = [];
  slots.forEach((slot, i) => {
    if (slot.key === undefined) unkeyed.push(i);
    else {
      const list = byKey.get(slot.key);
      if (list) list.push(i);
      else byKey.set(slot.key, [i]);
    }
  });
  if (byKey.size > 0) {
    const ttls = new Map<string, number>();
    let withUnkeyed = unkeyed.length > 0;
    const keys = [...byKey.keys()];
    const read = await cache.readThrough<Canonical>(
      keys,
      async (misses) => {
        for (const miss of misses) for (const i of byKey.get(miss.key)!) slots[i]!.cached = miss.previous;
        // The entities nothing can cache ride along with the first call.
        const indices = [...misses.flatMap((m) => byKey.get(m.key)!), ...(withUnkeyed ? unkeyed : [])];
        withUnkeyed = false;
        return fetchSlots(
          indices.sort((a, b) => a - b),
          ttls,
        );
      },
      {
        ttl: (_, key) => ttls.get(key) ?? 0,
        tags: (key) => slots[byKey.get(key)![0]!]!.entry.tags,
        usable: (canonical, key) => project(slots[byKey.get(key)![0]!]!, canonical) !== undefined,
      },
    );
    read.values.forEach((value, k) => {
      if (value === undefined || value instanceof Error) return;
      for (const i of byKey.get(keys[k]!)!) if (!slots[i]!.fetched) serveCached(slots[i]!, value);
    });
  }
  if (track && freshFor !== Number.POSITIVE_INFINITY) {
    const maxAge = Math.max(0, Math.floor(freshFor / 1000));
    narrowPolicy(state, { maxAge, scope: 'public', noStore: maxAge <= 0 });
  }
  // What neither the cache nor a call answered: the uncacheable entities when every cached one
  // hit, and those another request's call could not share (an error or an uncacheable answer).
  const rest: number[] = [];
  slots.forEach((slot, i) => {
    if (!slot.fetched && slot.value === undefined) rest.push(i);
  });
  if (rest.length > 0) await fetchSlots(rest, undefined);
  // Per entity: served from the cache (or another request's call) or fetched by this one.
  const keyed = slots.filter((s) => s.key !== undefined).length;
  const served = slots.filter((s) => !s.fetched).length;
  metrics?.lookup('entity', true, served);
  metrics?.lookup('entity', false, keyed - served);
  if (served > 0) metrics?.entitiesServed.inc({ subgraph: deps.subgraph }, served);
  if (fetches.length === 0) {
    metrics?.fetchesSaved.inc({ subgraph: deps.subgraph });
    return { status: 200, body: { data: { [fetch.responseKey]: slots.map((s) => s.value) } } };
  }
  return answer(fetches, slots, fetch.responseKey);
}

/** The slots of one fetch: each representation with its cache key for this request's audience. */
function slotsOf(shape: FetchShape, state: RequestState, track: boolean): Slot[] {
  // Per fetch, not per entity: the audiences and the policy narrowing.
  let publicAudience: string | undefined | null = null;
  let privateAudience: string | undefined | null = null;
  const narrowed = new Set<TypePlan>();
  return shape.entries.map((entry): Slot => {
    const tp = entry.plan;
    if (!tp || entry.keyHead === undefined)
      return { entry, key: undefined, cached: undefined, value: undefined, fetched: false };
    if (track && !narrowed.has(tp)) {
      narrowed.add(tp);
      narrowPolicy(state, tp.policy);
    }
    let audience: string | undefined;
    if (entry.ttl > 0) {
      if (tp.policy.scope === 'private') {
        if (privateAudience === null) privateAudience = audienceKey(state, 'private');
        audience = privateAudience;
      } else {
        if (publicAudience === null) publicAudience = audienceKey(state, 'public');
        audience = publicAudience;
      }
    }
    let key: string | undefined;
    if (audience !== undefined) {
      key = `${entry.keyHead}${audience}${entry.keyTail}`;
      if (key.length > 900) key = `${entry.keyHead}#${sha256(key)}`;
    }
    return { entry, key, cached: undefined, value: undefined, fetched: false };
  });
}

/**
 * The response of the fetch: the one call's own response when it asked for every entity in
 * order; else the slots' entities with every call's errors re-pointed to the original indices
 * (data null when a call's answer could not be matched to what it asked), the first failing
 * status, and the most restrictive `Cache-Control` of the calls.
 */
function answer(fetches: readonly Fetched[], slots: readonly Slot[], responseKey: string): SubgraphResponse {
  const [first] = fetches;
  if (fetches.length === 1 && first!.indices.length === slots.length) return first!.response;
  const errors = fetches.flatMap((f) =>
    remap(f.response.body.errors as { path?: unknown[] }[] | undefined, f.indices, responseKey),
  );
  const status = fetches.find((f) => f.response.status !== 200)?.response.status ?? 200;
  const cacheControl = restrictive(fetches.map((f) => f.response.cacheControl));
  const broken = fetches.find((f) => !f.ok);
  if (broken)
    return {
      status: broken.response.status,
      body: { ...broken.response.body, data: null, errors },
      cacheControl,
    };
  const data = first!.response.body.data as Record<string, unknown>;
  return {
    status,
    body: {
      ...first!.response.body,
      data: { ...data, [responseKey]: slots.map((s) => s.value) },
      ...(errors.length > 0 ? { errors } : {}),
    },
    cacheControl,
  };
}

/** The most restrictive of several calls' `Cache-Control` headers (the one header when they agree). */
function restrictive(headers: readonly (string | undefined)[]): string | undefined {
  if (headers.every((h) => h === headers[0])) return headers[0];
  let policy: ResponsePolicy | undefined;
  for (const header of headers) {
    const p = subgraphCacheControl(header);
    if (p) policy = policy ? mergePolicies(policy, p) : p;
  }
  return policy ? cacheControlValue(policy, policy.scope === 'public') : undefined;
}

/** Errors of a call for some of the entities, re-pointed at the entities' original indices. */
function remap(
  errors: { path?: unknown[] }[] | undefined,
  indices: readonly number[],
  responseKey: string,
): unknown[] {
  return (errors ?? []).map((e) =>
    e.path?.[0] === responseKey && typeof e.path[1] === 'number'
      ? { ...e, path: [responseKey, indices[e.path[1]] ?? e.path[1], ...e.path.slice(2)] }
      : e,
  );
}
