import type { DocumentNode } from 'graphql';
import type { RequestState } from '../plugin.js';
import { mergePolicies, NO_STORE, type ResponsePolicy } from './cache-policy.js';

/** What the caching plugins learn about one request; lives as long as its `RequestState`. */
export interface RequestCacheState {
  /** The parsed operation (set by the hints plugin once the operation is known). */
  document: DocumentNode | undefined;
  /** The policy so far: the static plan, then narrowed by what the fetches reported. */
  policy: ResponsePolicy;
  /** Object types the operation can return (from the plan). */
  planTypes: readonly string[];
  /** `Type:id` tags of entities fetched through `_entities` (from the cache or a subgraph). */
  readonly entityTags: Set<string>;
  /**
   * Object types of the response once it is known: those it contains and those its plan can
   * return (an empty list of a type still changes when an object of that type is created).
   */
  types: readonly string[];
  /** Final tags once the response is known: the types first, then entities. */
  tags: readonly string[];
  /** Set when the response cache answered; its age in seconds. */
  servedFromCache: { ageSeconds: number } | undefined;
}

// Keyed by the request's IncomingMessage: Apollo hands plugins a shallow copy of the
// RequestState as `contextValue`, so the state object itself is not a stable identity.
const states = new WeakMap<object, RequestCacheState>();

/** The cache state of a request, created on first use. */
export function cacheStateOf(state: RequestState): RequestCacheState {
  let s = states.get(state.req);
  if (!s) {
    s = {
      document: undefined,
      policy: NO_STORE,
      planTypes: [],
      entityTags: new Set(),
      types: [],
      tags: [],
      servedFromCache: undefined,
    };
    states.set(state.req, s);
  }
  return s;
}

/** Narrows the request's policy (restrictive merge). */
export function narrowPolicy(state: RequestState | undefined, policy: ResponsePolicy): void {
  if (!state) return;
  const s = cacheStateOf(state);
  s.policy = mergePolicies(s.policy, policy);
}
