import { IntelGraphError } from '@intelgraph/errors';
import { assertTag } from '../keys/validate.js';

/** CloudFront (and Fastly) read at most this many tags per object; more are ignored. */
export const MAX_TAGS_PER_OBJECT = 50;

/** What one part of a response (an entity, a field, a whole query) allows. */
export interface CachePolicy {
  /** Seconds a shared cache (the CDN) may keep it. 0 or absent with `noStore` means not at all. */
  readonly maxAge?: number;
  /** `private` parts (per-user data) must not be kept by shared caches. Default `public`. */
  readonly scope?: 'public' | 'private';
  /** Never store (credentials, one-time data). */
  readonly noStore?: boolean;
  /** Seconds the CDN may serve it stale while revalidating. */
  readonly staleWhileRevalidate?: number;
  /** Seconds the CDN may serve it stale when the origin fails. */
  readonly staleIfError?: number;
  /** Tags to purge it by (same vocabulary as the cache's tags). */
  readonly tags?: readonly string[];
}

export interface CacheHeaders {
  readonly 'Cache-Control': string;
  /** Comma-separated (CloudFront `CacheTagConfig`, Cloudflare); absent without tags. */
  readonly 'Cache-Tag'?: string;
  /** Space-separated (Fastly); absent without tags. */
  readonly 'Surrogate-Key'?: string;
}

export interface CacheHeadersResult {
  readonly headers: CacheHeaders;
  /** Tags left out because the object already had MAX_TAGS_PER_OBJECT. */
  readonly droppedTags: readonly string[];
}

function seconds(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) {
    throw new IntelGraphError('CONFIG_INVALID', `Cache policy ${field}=${value}: expected seconds >= 0`, {
      input: value,
      details: { field },
    });
  }
  return Math.floor(value);
}

/**
 * The headers for a response made of several parts: the most restrictive policy wins (the
 * smallest max-age; private if any part is private; no-store if any part is), and the tags of
 * every part are merged, de-duplicated and capped at 50 (the first ones kept: put the broadest
 * tags first). Invalid tags throw CACHE_TAG_INVALID.
 */
export function computeCacheHeaders(policies: readonly CachePolicy[]): CacheHeadersResult {
  let maxAge: number | undefined;
  let swr: number | undefined;
  let sie: number | undefined;
  let isPrivate = false;
  let noStore = policies.length === 0;
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const policy of policies) {
    const age = seconds('maxAge', policy.maxAge) ?? 0;
    maxAge = maxAge === undefined ? age : Math.min(maxAge, age);
    const s = seconds('staleWhileRevalidate', policy.staleWhileRevalidate);
    swr = s === undefined ? 0 : swr === undefined ? s : Math.min(swr, s);
    const e = seconds('staleIfError', policy.staleIfError);
    sie = e === undefined ? 0 : sie === undefined ? e : Math.min(sie, e);
    if (policy.scope === 'private') isPrivate = true;
    if (policy.noStore) noStore = true;
    for (const tag of policy.tags ?? []) {
      assertTag(tag);
      // CloudFront compares tags case-insensitively: keep one spelling.
      const folded = tag.toLowerCase();
      if (!seen.has(folded)) {
        seen.add(folded);
        tags.push(tag);
      }
    }
  }
  if (noStore || maxAge === 0) return { headers: { 'Cache-Control': 'no-store' }, droppedTags: [] };
  const directives = [isPrivate ? 'private' : 'public', `max-age=${maxAge}`];
  if (!isPrivate) directives.push(`s-maxage=${maxAge}`);
  if (swr) directives.push(`stale-while-revalidate=${swr}`);
  if (sie) directives.push(`stale-if-error=${sie}`);
  const kept = isPrivate ? [] : tags.slice(0, MAX_TAGS_PER_OBJECT);
  const droppedTags = isPrivate ? [] : tags.slice(MAX_TAGS_PER_OBJECT);
  const headers: CacheHeaders =
    kept.length === 0
      ? { 'Cache-Control': directives.join(', ') }
      : {
          'Cache-Control': directives.join(', '),
          'Cache-Tag': kept.join(','),
          'Surrogate-Key': kept.join(' '),
        };
  return { headers, droppedTags };
}
