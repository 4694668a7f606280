import type { ApolloServerPlugin } from '@apollo/server';
import { MAX_TAG_LENGTH, MAX_TAGS_PER_OBJECT } from '@intelgraph/advanced-caching';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { cacheControlValue, isStorable } from './cache-policy.js';
import { cacheStateOf } from './request-cache-state.js';

export interface CdnHeadersOptions {
  /**
   * Max-age a CDN gets when some of the response's tags did not fit in the 50 a CDN reads, so
   * an event naming a left-out entity could not purge it (default 5 s).
   */
  readonly untaggedMaxAge?: number;
}

/**
 * Tells the CDN what it may cache: `Cache-Control` from the response's policy (`no-store` for
 * mutations, errors and uncacheable parts; `private` for private data and for every
 * authenticated request, so a shared cache never keeps one caller's answer for another;
 * `public, max-age=N` otherwise — a persisted query sent by GET is then CDN-cacheable), and
 * `Cache-Tag` (comma-separated) / `Surrogate-Key` (space-separated) naming the types and the
 * `Type:id` entities it contains, broadest first, at most 50, each ≤ 256 characters.
 */
export function useCdnHeaders(options: CdnHeadersOptions = {}): GatewayPlugin {
  const untaggedMaxAge = options.untaggedMaxAge ?? 5;
  const headers: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: state }) {
          const c = cacheStateOf(state);
          let policy = c.policy;
          const tags = c.tags.filter((t) => t.length <= MAX_TAG_LENGTH).slice(0, MAX_TAGS_PER_OBJECT);
          if (tags.length < c.tags.length && isStorable(policy))
            policy = { ...policy, maxAge: Math.min(policy.maxAge, untaggedMaxAge) };
          const shared = !state.identity?.userId && state.req.headers.authorization === undefined;
          state.responseHeaders.set('cache-control', cacheControlValue(policy, shared));
          if (c.servedFromCache) state.responseHeaders.set('age', String(c.servedFromCache.ageSeconds));
          if (tags.length > 0 && isStorable(policy)) {
            state.responseHeaders.set('cache-tag', tags.join(','));
            state.responseHeaders.set('surrogate-key', tags.join(' '));
          }
        },
      };
    },
  };
  return { name: 'cdn-headers', apolloPlugins: [headers] };
}
