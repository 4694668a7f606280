/** How long, and for whom, a response or one of its parts may be cached. */
export interface ResponsePolicy {
  /** Seconds; 0 means not cacheable. */
  readonly maxAge: number;
  readonly scope: 'public' | 'private';
  /** Never store (mutations, errors, uncacheable parts). */
  readonly noStore: boolean;
}

export const NO_STORE: ResponsePolicy = { maxAge: 0, scope: 'private', noStore: true };

/**
 * The restrictive merge of two policies: the smaller max-age, `private` if either is private,
 * `no-store` if either is (or if the max-age drops to 0).
 */
export function mergePolicies(a: ResponsePolicy, b: ResponsePolicy): ResponsePolicy {
  const maxAge = Math.min(a.maxAge, b.maxAge);
  return {
    maxAge,
    scope: a.scope === 'private' || b.scope === 'private' ? 'private' : 'public',
    noStore: a.noStore || b.noStore || maxAge <= 0,
  };
}

/** Whether a policy lets the gateway store the response at all. */
export function isStorable(policy: ResponsePolicy): boolean {
  return !policy.noStore && policy.maxAge > 0;
}

/**
 * The `Cache-Control` value: `no-store`, or `public|private, max-age=N`. A shared cache (the CDN)
 * may keep only `public` responses; `shared` false (an authenticated request) downgrades public to
 * private so a CDN never stores tenant data for one caller and serves it to another.
 */
export function cacheControlValue(policy: ResponsePolicy, shared: boolean): string {
  if (!isStorable(policy)) return 'no-store';
  const scope = policy.scope === 'public' && shared ? 'public' : 'private';
  return `${scope}, max-age=${Math.floor(policy.maxAge)}`;
}
