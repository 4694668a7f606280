import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { audienceTypeTags, type MultiTierCache, type TagFence } from '@intelgraph/advanced-caching';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { audienceKey, sha256, stableJson } from './cache-keys.js';
import type { CachingMetrics } from './cache-metrics.js';
import { isStorable } from './cache-policy.js';
import { cacheStateOf } from './request-cache-state.js';

export interface ResponseCacheOptions {
  readonly cache: MultiTierCache;
  readonly metrics?: CachingMetrics;
}

interface StoredResponse {
  readonly data: Record<string, unknown>;
  readonly storedAt: number;
  readonly maxAge: number;
  readonly scope: 'public' | 'private';
  readonly tags: readonly string[];
}

const KEY_PREFIX = 'r:';
// By IncomingMessage: Apollo's contextValue is a shallow copy of the RequestState.
const keys = new WeakMap<object, string>();
const hits = new WeakMap<object, StoredResponse>();
const fences = new WeakMap<object, TagFence>();

/** The key of a response: operation hash, operation name, variables, and who may share it. */
function responseKey(state: RequestState, scope: 'public' | 'private'): string | undefined {
  const audience = audienceKey(state, scope);
  if (audience === undefined) return undefined;
  const { query = '', operationName = '', variables } = state.params;
  return `${KEY_PREFIX}${sha256(`${query}\u0000${operationName}\u0000${stableJson(variables ?? {})}`)}:${sha256(audience)}`;
}

/**
 * The response cache: whole query responses in the gateway's MultiTierCache (L1 in process, L2
 * in Redis shared by every instance), keyed by the operation, its variables and its audience —
 * tenant and scopes, plus the user when the policy is private; a private response without a user
 * is never stored. Looked up once the operation's static policy is known (so the key's scope is
 * known before execution); answered through Apollo's `responseForOperation`, so a hit runs no
 * query plan. Stored only when the final policy allows (no errors, `extensions.valueCompletion`
 * included; max-age > 0), for max-age
 * seconds, tagged with the response's types (bare, and for its tenant: `tenantTypeTag`) and
 * entities so events and the admin endpoint invalidate it. Writes are fenced: tag versions (the operation's types) and the time are taken
 * before execution, and a response one of whose tags was invalidated while it was computed is
 * not stored (its fetches may have read the data before the change). Must come after
 * `useCacheHints`.
 */
export function useResponseCache(options: ResponseCacheOptions): GatewayPlugin {
  const { cache, metrics } = options;
  const apollo: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue: state }) {
          const hit = hits.get(state.req);
          if (!hit) return null;
          const age = Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000));
          const c = cacheStateOf(state);
          c.servedFromCache = { ageSeconds: age };
          c.policy = { maxAge: Math.max(1, hit.maxAge - age), scope: hit.scope, noStore: false };
          c.tags = hit.tags;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: hit.data } },
          };
        },
        async willSendResponse({ contextValue: state, response }) {
          const c = cacheStateOf(state);
          if (c.servedFromCache || response.body.kind !== 'single') return;
          const { data, errors, extensions } = response.body.singleResult;
          // Apollo Gateway reports a subgraph's null in a non-null position (the value it could
          // not complete) in `extensions.valueCompletion`, not `errors`: an error all the same,
          // and a hit (data only) would lose it.
          if (!isStorable(c.policy) || errors?.length || extensions?.valueCompletion || !data) return;
          const key = c.policy.scope === 'private' ? responseKey(state, 'private') : keys.get(state.req);
          const fence = fences.get(state.req);
          if (!key || !fence) return;
          const value: StoredResponse = {
            data,
            storedAt: Date.now(),
            maxAge: c.policy.maxAge,
            scope: c.policy.scope,
            tags: c.tags,
          };
          const tenantTags = audienceTypeTags(c.types, state.identity?.tenantId);
          await cache
            .set(key, value, { ttl: c.policy.maxAge, tags: [...c.tags, ...tenantTags], fence })
            .catch((err: unknown) => state.log.warn({ err }, 'response cache write failed'));
        },
      };
    },
  };
  return {
    name: 'response-cache',
    async onOperation(state) {
      const c = cacheStateOf(state);
      if (state.operationType !== 'query' || !isStorable(c.policy)) return;
      const key = responseKey(state, c.policy.scope);
      if (!key) return;
      keys.set(state.req, key);
      const hit = await cache.get<StoredResponse>(key);
      metrics?.lookup('response', hit !== undefined);
      if (hit) hits.set(state.req, hit);
      else
        await cache.fence([...c.planTypes, ...audienceTypeTags(c.planTypes, state.identity?.tenantId)]).then(
          (fence) => fences.set(state.req, fence),
          (err: unknown) => state.log.warn({ err }, 'response cache fence failed; not storing'),
        );
    },
    apolloPlugins: [apollo],
  };
}
