import { entityTag, type MultiTierCache, type TagFence } from '@intelgraph/advanced-caching';
import type { SelectionSetNode } from 'graphql';
import type { GatewayPlugin, SubgraphRequest, SubgraphResponse } from '../plugin.js';
import type { CacheControls } from './cache-controls.js';
import type { CacheHintIndex } from './cache-hints.js';
import { audienceKey, sha256, stableJson } from './cache-keys.js';
import type { CachingMetrics } from './cache-metrics.js';
import { NO_STORE, type ResponsePolicy } from './cache-policy.js';
import {
  type Canonical,
  type CompiledSelection,
  canonicalize,
  compileSelection,
  type EntitiesFetch,
  entityPolicy,
  mergeCanonical,
  parseEntitiesFetch,
  projectCompiled,
  usesVariables,
} from './entity-selection.js';
import { narrowPolicy } from './request-cache-state.js';
import { subgraphCacheControl } from './subgraph-cache-control.js';

export interface EntityCacheOptions {
  /** Where entities are kept (its L1 in process, L2 in Redis shared by every instance). */
  readonly cache: MultiTierCache;
  readonly hints: () => CacheHintIndex;
  readonly controls: CacheControls;
  readonly metrics?: CachingMetrics;
  /** Parsed subgraph queries kept, and parsed fetch bodies per subgraph (default 1000 each). */
  readonly maxQueries?: number;
  /**
   * Narrow the request's response policy by the entities' hints and freshness (default true).
   * Off when nothing reads that policy (no response cache, no CDN headers): it is then work for
   * nobody on every fetch.
   */
  readonly trackResponsePolicy?: boolean;
}

/** What one subgraph query needs per entity type, computed once per query and hint index. */
interface TypePlan {
  readonly set: SelectionSetNode;
  readonly policy: ResponsePolicy;
  readonly keyField: string | undefined;
  /** The selection compiled, when it does not depend on the fetch's variables. */
  readonly compiled: CompiledSelection | undefined;
}

/** One representation of a fetch body, ready to be looked up (its key lacks only the audience). */
interface ShapeEntry {
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
interface FetchShape {
  readonly fetch: EntitiesFetch;
  readonly body: { query: string; variables?: Record<string, unknown>; operationName?: string };
  readonly variables: Record<string, unknown>;
  readonly entries: readonly ShapeEntry[];
}

/** Longest fetch body whose shape is remembered, characters. */
const MAX_SHAPE_BODY = 16_384;

/** A parsed `_entities` query and its per-type plans for one hint index. */
interface QueryPlan {
  readonly fetch: EntitiesFetch;
  hints: CacheHintIndex;
  types: Map<string, TypePlan | null>;
}

interface Representation {
  readonly __typename: string;
  readonly [key: string]: unknown;
}

interface Slot {
  readonly rep: Representation;
  readonly plan: TypePlan | undefined;
  readonly key: string | undefined;
  readonly ttl: number;
  readonly tags: string[];
  cached: Canonical | undefined;
  value: unknown;
}

const KEY_PREFIX = 'e:';
/** Where a stored entity keeps its expiry (epoch ms); no GraphQL field can be named so. */
const EXPIRES = '\u0000expires';

/** The tags of an entity: its type, then `Type:<key>` when its key is one simple value. */
function tagsOf(rep: Representation, keyField: string | undefined): string[] {
  const fields = Object.keys(rep).filter((k) => k !== '__typename');
  const id = keyField !== undefined ? rep[keyField] : fields.length === 1 ? rep[fields[0]!] : undefined;
  const tag = entityTag(rep.__typename, id);
  return tag ? [rep.__typename, tag] : [rep.__typename];
}

/**
 * The entity cache: a subgraph fetch wrapper for `_entities` fetches. Each representation is
 * looked up (per subgraph, tenant, scopes, user when private, type and key); the fetch is sent
 * with only the misses, and the answer is the cached and fetched entities merged in the original
 * order (errors re-pointed to the original indices). Entities are stored in a canonical form
 * (fields by name and arguments), so a later, different query selecting a subset of what was
 * fetched before is a hit; a partial hit is fetched and the two forms merged. TTL: the type's
 * and selected fields' hints, capped by the controls and by the subgraph's `Cache-Control`
 * header (`no-store` stores nothing; `private` stores only entities whose key is already per
 * user); never stored after an error. An entity served from the cache caps the response's
 * max-age at its remaining freshness. Writes are fenced: the entities' tag versions are taken
 * before the fetch, and an entity whose tag was invalidated while the fetch ran is not stored
 * (what the subgraph read may predate the change).
 */
export function useEntityCache(options: EntityCacheOptions): GatewayPlugin {
  const plans = new Map<string, QueryPlan | null>();
  const maxQueries = options.maxQueries ?? 1000;
  const track = options.trackResponsePolicy ?? true;
  const maxShapes = options.maxQueries ?? 1000;
  const { cache, controls, metrics } = options;

  const planOf = (query: string, hints: CacheHintIndex): QueryPlan | undefined => {
    let plan = plans.get(query);
    if (plan === undefined) {
      const fetch = parseEntitiesFetch(query);
      plan = fetch ? { fetch, hints, types: new Map() } : null;
      if (plans.size >= maxQueries) plans.delete(plans.keys().next().value as string);
      plans.set(query, plan);
    }
    if (plan && plan.hints !== hints) {
      // A new supergraph: policies and key fields may have changed.
      plan.hints = hints;
      plan.types = new Map();
    }
    return plan ?? undefined;
  };

  const typePlanOf = (plan: QueryPlan, type: string): TypePlan | undefined => {
    let t = plan.types.get(type);
    if (t === undefined) {
      const hints = plan.hints;
      const set = plan.fetch.selectionFor(type, (condition) => hints.overlaps(condition, type));
      const { fragments } = plan.fetch;
      t = set
        ? {
            set,
            policy: entityPolicy(type, set, plan.hints, controls.defaultMaxAge, fragments),
            keyField: plan.hints.keyField(type),
            compiled: usesVariables(set, fragments) ? undefined : compileSelection(set, {}, fragments),
          }
        : null;
      plan.types.set(type, t);
    }
    return t ?? undefined;
  };

  return {
    name: 'entity-cache',
    wrapSubgraphFetch(next, subgraph) {
      // Fetch bodies seen before (the planner sends the same query with the same representations
      // again and again): parsed, keyed and planned once; only the audience is per request.
      const shapes = new Map<string, FetchShape | null>();
      let shapesHints: CacheHintIndex | undefined;
      const shapeOf = (text: string, hints: CacheHintIndex): FetchShape | undefined => {
        const body = JSON.parse(text) as FetchShape['body'];
        const plan = typeof body?.query === 'string' ? planOf(body.query, hints) : undefined;
        // Variables as the subgraph reads them: the values sent over the operation's defaults.
        const variables = plan ? { ...plan.fetch.variableDefaults, ...body.variables } : {};
        const reps = plan ? variables[plan.fetch.variable] : undefined;
        if (!plan || !Array.isArray(reps)) return undefined;
        const entries = (reps as Representation[]).map((rep): ShapeEntry => {
          const type = typeof rep?.__typename === 'string' ? rep.__typename : undefined;
          const tp = type ? typePlanOf(plan, type) : undefined;
          if (!type || !tp)
            return { rep, plan: undefined, keyHead: undefined, keyTail: '', ttl: 0, tags: [] };
          const ttl = tp.policy.noStore ? 0 : controls.entityTtl(subgraph, type, tp.policy.maxAge);
          return {
            rep,
            plan: tp,
            keyHead: `${KEY_PREFIX}${subgraph}:${type}:`,
            keyTail: `:${stableJson(rep)}`,
            ttl,
            tags: tagsOf(rep, tp.keyField),
          };
        });
        return { fetch: plan.fetch, body, variables, entries };
      };
      return async (request: SubgraphRequest): Promise<SubgraphResponse> => {
        if (!request.idempotent || !request.state || !request.body.includes('_entities'))
          return next(request);
        const hints = options.hints();
        if (shapesHints !== hints) {
          shapes.clear();
          shapesHints = hints;
        }
        let shape = shapes.get(request.body);
        if (shape === undefined) {
          shape = shapeOf(request.body, hints) ?? null;
          if (request.body.length <= MAX_SHAPE_BODY) {
            if (shapes.size >= maxShapes) shapes.delete(shapes.keys().next().value as string);
            shapes.set(request.body, shape);
          }
        }
        if (!shape) return next(request);
        const { fetch, variables, body } = shape;
        const state = request.state;
        // Per fetch, not per entity: the audiences, the policy narrowing, compiled selections.
        let publicAudience: string | undefined | null = null;
        let privateAudience: string | undefined | null = null;
        const narrowed = new Set<TypePlan>();
        const compiled = new Map<TypePlan, CompiledSelection>();
        const slots: Slot[] = [];
        for (const e of shape.entries) {
          const tp = e.plan;
          if (!tp || e.keyHead === undefined) {
            slots.push({
              rep: e.rep,
              plan: undefined,
              key: undefined,
              ttl: 0,
              tags: [],
              cached: undefined,
              value: undefined,
            });
            continue;
          }
          const policy = tp.policy;
          if (track && !narrowed.has(tp)) {
            narrowed.add(tp);
            narrowPolicy(state, policy);
          }
          let audience: string | undefined;
          if (e.ttl > 0) {
            if (policy.scope === 'private') {
              if (privateAudience === null) privateAudience = audienceKey(state, 'private');
              audience = privateAudience;
            } else {
              if (publicAudience === null) publicAudience = audienceKey(state, 'public');
              audience = publicAudience;
            }
          }
          let key: string | undefined;
          if (audience !== undefined) {
            key = `${e.keyHead}${audience}${e.keyTail}`;
            if (key.length > 900) key = `${e.keyHead}#${sha256(key)}`;
          }
          slots.push({
            rep: e.rep,
            plan: tp,
            key,
            ttl: e.ttl,
            tags: e.tags,
            cached: undefined,
            value: undefined,
          });
        }
        const lookups = slots.filter((s) => s.key !== undefined);
        if (lookups.length > 0) {
          const values = await cache.mget<Canonical>(lookups.map((s) => s.key!));
          let freshFor = Number.POSITIVE_INFINITY;
          for (let i = 0; i < lookups.length; i++) {
            const slot = lookups[i]!;
            const cached = values[i];
            if (!cached) continue;
            slot.cached = cached;
            const tp = slot.plan!;
            let fields = tp.compiled ?? compiled.get(tp);
            if (!fields) {
              fields = compileSelection(tp.set, variables, fetch.fragments);
              compiled.set(tp, fields);
            }
            slot.value = projectCompiled(cached, fields);
            const expires = cached[EXPIRES];
            if (slot.value !== undefined && typeof expires === 'number')
              freshFor = Math.min(freshFor, expires - Date.now());
          }
          if (track && freshFor !== Number.POSITIVE_INFINITY) {
            const maxAge = Math.max(0, Math.floor(freshFor / 1000));
            narrowPolicy(state, { maxAge, scope: 'public', noStore: maxAge <= 0 });
          }
        }
        const misses: number[] = [];
        for (let i = 0; i < slots.length; i++) if (slots[i]!.value === undefined) misses.push(i);
        const hits = slots.length - misses.length;
        metrics?.lookup('entity', true, hits);
        metrics?.lookup('entity', false, lookups.length - hits);
        if (hits > 0) metrics?.entitiesServed.inc({ subgraph }, hits);
        if (misses.length === 0) {
          metrics?.fetchesSaved.inc({ subgraph });
          return { status: 200, body: { data: { [fetch.responseKey]: slots.map((s) => s.value) } } };
        }
        const sent =
          misses.length === slots.length
            ? request
            : {
                ...request,
                body: JSON.stringify({
                  ...body,
                  variables: { ...variables, [fetch.variable]: misses.map((i) => slots[i]!.rep) },
                }),
              };
        // Tag versions before the fetch: an entity invalidated while it runs is not stored.
        const fenceTags = new Set<string>();
        for (const i of misses) if (slots[i]!.key) for (const tag of slots[i]!.tags) fenceTags.add(tag);
        let fence: TagFence | undefined;
        if (fenceTags.size > 0)
          fence = await cache.fence([...fenceTags]).catch((err: unknown) => {
            state.log.warn({ err }, 'entity cache fence failed; not storing');
            return undefined;
          });
        const response = await next(sent);
        const header = subgraphCacheControl(response.cacheControl);
        const data = response.body.data as Record<string, unknown> | null | undefined;
        const fetched = data?.[fetch.responseKey];
        const errors = response.body.errors as { path?: unknown[] }[] | undefined;
        if (track && (errors?.length || response.status !== 200)) narrowPolicy(state, NO_STORE);
        if (!Array.isArray(fetched) || fetched.length !== misses.length) {
          if (misses.length === slots.length) return response;
          return {
            status: response.status,
            body: { ...response.body, data: null, errors: remap(errors, misses, fetch.responseKey) },
            cacheControl: response.cacheControl,
          };
        }
        const failed = new Set<number>();
        for (const e of errors ?? [])
          if (e.path?.[0] === fetch.responseKey && typeof e.path[1] === 'number') failed.add(e.path[1]);
        const writes: { key: string; value: unknown; ttl: number; tags: string[]; fence: TagFence }[] = [];
        const now = Date.now();
        for (let j = 0; j < misses.length; j++) {
          const slot = slots[misses[j]!]!;
          slot.value = fetched[j];
          if (
            !slot.key ||
            !fence ||
            errors?.length ||
            failed.has(j) ||
            fetched[j] === null ||
            typeof fetched[j] !== 'object'
          )
            continue;
          // The subgraph's header: never kept longer than it allows, and a private answer only
          // under a per-user key.
          if (
            header &&
            (header.noStore || (header.scope === 'private' && slot.plan!.policy.scope !== 'private'))
          )
            continue;
          const ttl = Math.min(slot.ttl, header?.maxAge ?? Number.POSITIVE_INFINITY);
          if (!(ttl > 0)) continue;
          const canonical = canonicalize(fetched[j], slot.plan!.set, variables, fetch.fragments);
          if (!canonical || typeof canonical !== 'object' || Array.isArray(canonical)) continue;
          const merged = slot.cached ? mergeCanonical(slot.cached, canonical) : canonical;
          const value = { ...(merged as Canonical), [EXPIRES]: now + ttl * 1000 };
          writes.push({ key: slot.key, value, ttl, tags: slot.tags, fence });
        }
        if (writes.length > 0)
          await cache
            .mset(writes)
            .catch((err: unknown) => state.log.warn({ err }, 'entity cache write failed'));
        if (misses.length === slots.length) return response;
        return {
          status: response.status,
          body: {
            ...response.body,
            data: { ...data, [fetch.responseKey]: slots.map((s) => s.value) },
            ...(errors ? { errors: remap(errors, misses, fetch.responseKey) } : {}),
          },
          cacheControl: response.cacheControl,
        };
      };
    },
  };
}

/** Errors of a fetch of the misses, re-pointed at the entities' original indices. */
function remap(
  errors: { path?: unknown[] }[] | undefined,
  misses: readonly number[],
  responseKey: string,
): unknown[] {
  return (errors ?? []).map((e) =>
    e.path?.[0] === responseKey && typeof e.path[1] === 'number'
      ? { ...e, path: [responseKey, misses[e.path[1]] ?? e.path[1], ...e.path.slice(2)] }
      : e,
  );
}
