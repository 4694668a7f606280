import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import type { CacheControls } from './cache-controls.js';
import { CacheHintIndex, type OperationCachePlan, planOperation } from './cache-hints.js';
import { NO_STORE } from './cache-policy.js';
import { cacheStateOf, narrowPolicy } from './request-cache-state.js';
import { responseTags } from './response-tags.js';

export interface CacheHintsPlugin extends GatewayPlugin {
  /** The hints of the current supergraph (empty before one is loaded). */
  hints(): CacheHintIndex;
}

/**
 * Computes each response's cache policy, restrictively: the static plan of the operation from
 * the supergraph's `@cacheControl` hints (min max-age, private if any part is), narrowed by what
 * the fetches report (a subgraph's cap from the controls; `no-store` after a subgraph error or a
 * failed fetch), then `no-store` for mutations, subscriptions and responses with errors. Once the
 * response is known, its tags: the types and the `Type:id` entities it contains. Other caching
 * plugins read both from the request's cache state; this plugin must come first.
 */
export function useCacheHints(controls: CacheControls): CacheHintsPlugin {
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
            const { types, entities } = responseTags(
              s,
              document,
              operationName ?? undefined,
              result.data,
              index,
            );
            c.tags = [...types, ...new Set([...entities, ...c.entityTags])];
          }
        },
      };
    },
  };

  return {
    name: 'cache-hints',
    hints: () => index,
    onSchemaChange(apiSchema, supergraphSdl) {
      schema = apiSchema;
      plans = new WeakMap();
      try {
        index = CacheHintIndex.fromSupergraph(supergraphSdl);
      } catch {
        index = CacheHintIndex.empty();
      }
    },
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
        try {
          const response = await next(request);
          if (response.status !== 200 || response.body.errors?.length) narrowPolicy(request.state, NO_STORE);
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
