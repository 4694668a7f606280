import type { ApolloServerPlugin } from '@apollo/server';
import { entityTag } from '@intelgraph/advanced-caching';
import type { GraphQLSchema } from 'graphql';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import type { CacheControls } from './cache-controls.js';
import { CacheHintIndex, type OperationCachePlan, planOperation } from './cache-hints.js';
import { NO_STORE } from './cache-policy.js';
import { cacheStateOf, narrowPolicy } from './request-cache-state.js';
import { responseTags } from './response-tags.js';
import { subgraphCacheControl } from './subgraph-cache-control.js';

export interface CacheHintsPlugin extends GatewayPlugin {
  /** The hints of the current supergraph (empty before one is loaded). */
  hints(): CacheHintIndex;
}

/**
 * Computes each response's cache policy, restrictively: the static plan of the operation from
 * the supergraph's `@cacheControl` hints (min max-age, private if any part is), narrowed by what
 * the fetches report (a subgraph's cap from the controls; the subgraph's `Cache-Control` response
 * header: its max-age, `private`, `no-store`; `no-store` after a subgraph error or a failed fetch), then `no-store` for mutations, subscriptions and responses with errors. Once the
 * response is known, its tags: the types it contains or its plan can return, and the `Type:id`
 * entities it contains. Other caching
 * plugins read both from the request's cache state; this plugin must come first.
 */
export interface CacheHintsOptions {
  /**
   * Max-age of a response holding an entity that cannot be named in its tags (its key was
   * neither selected nor fetched), since an event about it could not purge it (default 5 s).
   */
  readonly unnamedMaxAge?: number;
  /** Name entities from the representations of `_entities` fetches (default true). */
  readonly tagFetchedEntities?: boolean;
  /**
   * Compute each response's policy and tags (default true). False when nothing reads them (no
   * response cache, no CDN headers: the entity cache alone needs only the hint index), so a
   * request pays for no planning, no per-fetch narrowing and no walk of its response.
   */
  readonly responsePolicy?: boolean;
}

export function useCacheHints(controls: CacheControls, options: CacheHintsOptions = {}): CacheHintsPlugin {
  const unnamedMaxAge = options.unnamedMaxAge ?? 5;
  const tagFetched = options.tagFetchedEntities ?? true;
  let index = CacheHintIndex.empty();
  let schema: GraphQLSchema | undefined;
  let plans = new WeakMap<object, OperationCachePlan>();

  const finalize: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: state, response, document, schema: s, operationName }) {
          const c = cacheStateOf(state);
          if (c.servedFromCache || response.body.kind !== 'single') {
            if (response.body.kind !== 'single') c.policy = NO_STORE;
            return;
          }
          const result = response.body.singleResult;
          if (result.errors?.length || state.operationType !== 'query' || !document) {
            c.policy = NO_STORE;
          }
          if (document && result.data) {
            const { types, entities, unnamed } = responseTags(
              s,
              document,
              operationName ?? undefined,
              result.data,
              index,
            );
            c.types = [...new Set([...types, ...c.planTypes])];
            c.tags = [...c.types, ...new Set([...entities, ...c.entityTags])];
            const named = (type: string) => c.tags.some((t) => t.startsWith(`${type}:`));
            if (unnamed.some((type) => !named(type)))
              c.policy = { ...c.policy, maxAge: Math.min(c.policy.maxAge, unnamedMaxAge) };
            if (c.policy.maxAge <= 0) c.policy = NO_STORE;
          }
        },
      };
    },
  };

  const tagRepresentations = (state: RequestState, body: string): void => {
    const reps = (JSON.parse(body) as { variables?: Record<string, unknown> }).variables?.representations;
    if (!Array.isArray(reps)) return;
    const tags = cacheStateOf(state).entityTags;
    for (const rep of reps as Record<string, unknown>[]) {
      const type = rep?.__typename;
      if (typeof type !== 'string') continue;
      const key = index.keyField(type);
      const tag = key ? entityTag(type, rep[key]) : undefined;
      if (tag) tags.add(tag);
    }
  };

  const onSchemaChange = (apiSchema: GraphQLSchema, supergraphSdl: string): void => {
    schema = apiSchema;
    plans = new WeakMap();
    try {
      index = CacheHintIndex.fromSupergraph(supergraphSdl);
    } catch {
      index = CacheHintIndex.empty();
    }
  };
  if (options.responsePolicy === false) return { name: 'cache-hints', hints: () => index, onSchemaChange };

  return {
    name: 'cache-hints',
    hints: () => index,
    onSchemaChange,
    onRequest(state) {
      // Until the response says otherwise (refusals included): not cacheable.
      state.responseHeaders.set('cache-control', 'no-store');
    },
    onOperation(state, analysis) {
      const c = cacheStateOf(state);
      c.document = analysis.document;
      if (!schema || analysis.operationType !== 'query') {
        c.policy = NO_STORE;
        return;
      }
      let plan = plans.get(analysis.document);
      if (!plan) {
        plan = planOperation(schema, analysis.document, state.params.operationName, index, controls);
        plans.set(analysis.document, plan);
      }
      c.policy = plan.policy;
      c.planTypes = plan.types;
    },
    wrapSubgraphFetch(next, subgraph) {
      const cap = controls.subgraphMaxAge(subgraph);
      return async (request) => {
        if (cap !== undefined)
          narrowPolicy(request.state, { maxAge: cap, scope: 'public', noStore: cap <= 0 });
        if (tagFetched && request.state && request.body.includes('_entities'))
          tagRepresentations(request.state, request.body);
        try {
          const response = await next(request);
          if (response.status !== 200 || response.body.errors?.length) narrowPolicy(request.state, NO_STORE);
          else {
            // What the subgraph's own Cache-Control allows for the part this fetch produced.
            const header = subgraphCacheControl(response.cacheControl);
            if (header) narrowPolicy(request.state, header);
          }
          return response;
        } catch (error) {
          narrowPolicy(request.state, NO_STORE);
          throw error;
        }
      };
    },
    apolloPlugins: [finalize],
  };
}
