import { entityTag, type MultiTierCache } from '@intelgraph/advanced-caching';
import type { GatewayPlugin, RequestState, SubgraphRequest, SubgraphResponse } from '../plugin.js';
import type { CacheControls } from './cache-controls.js';
import type { CacheHintIndex } from './cache-hints.js';
import { stableJson } from './cache-keys.js';
import type { CachingMetrics } from './cache-metrics.js';
import {
  type FetchShape,
  type Representation,
  type ShapeEntry,
  serveEntitiesFetch,
  type TypePlan,
} from './entity-fetch.js';
import {
  compileSelection,
  type EntitiesFetch,
  entityPolicy,
  parseEntitiesFetch,
  usesVariables,
} from './entity-selection.js';

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

/** Longest fetch body whose shape is remembered, characters. */
const MAX_SHAPE_BODY = 16_384;

/** A parsed `_entities` query and its per-type plans for one hint index. */
interface QueryPlan {
  readonly fetch: EntitiesFetch;
  hints: CacheHintIndex;
  types: Map<string, TypePlan | null>;
}

const KEY_PREFIX = 'e:';

/** The tags of an entity: its type, then `Type:<key>` when its key is one simple value. */
function tagsOf(rep: Representation, keyField: string | undefined): string[] {
  const fields = Object.keys(rep).filter((k) => k !== '__typename');
  const id = keyField !== undefined ? rep[keyField] : fields.length === 1 ? rep[fields[0]!] : undefined;
  const tag = entityTag(rep.__typename, id);
  return tag ? [rep.__typename, tag] : [rep.__typename];
}

/**
 * The entity cache: a subgraph fetch wrapper for `_entities` fetches. This file plans (parses a
 * fetch body once, per type: selection, policy, key field, tags); `serveEntitiesFetch`
 * (`entity-fetch.ts`) serves a fetch on the cache's batched read-through. Each representation is
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
        return serveEntitiesFetch(shape, request as SubgraphRequest & { state: RequestState }, next, {
          cache,
          metrics,
          track,
          subgraph,
        });
      };
    },
  };
}
