import { NO_STORE, type ResponsePolicy } from './cache-policy.js';

const parsed = new Map<string, ResponsePolicy | null>();
const MAX_PARSED = 256;

/**
 * What a subgraph's `Cache-Control` response header allows for the part of the response its fetch
 * produced, as a policy to merge restrictively: `no-store`, `no-cache` or a max-age of 0 →
 * no-store; `private` → private; `max-age` / `s-maxage` → the smaller (the gateway is a shared
 * cache). Undefined when there is no header or it says nothing the gateway acts on (no
 * restriction: the `@cacheControl` hints rule). Unknown directives are ignored. Apollo Server
 * sends `max-age=N, public|private` or `no-store`; a handful of distinct values, so parses are
 * memoised.
 */
export function subgraphCacheControl(header: string | undefined): ResponsePolicy | undefined {
  if (header === undefined || header === '') return undefined;
  let policy = parsed.get(header);
  if (policy === undefined) {
    policy = parse(header) ?? null;
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(header, policy);
  }
  return policy ?? undefined;
}

function parse(header: string): ResponsePolicy | undefined {
  let maxAge = Number.POSITIVE_INFINITY;
  let scope: 'public' | 'private' = 'public';
  let restricted = false;
  for (const part of header.split(',')) {
    const [rawName = '', rawValue] = part.split('=', 2);
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return NO_STORE;
    if (name === 'private') {
      scope = 'private';
      restricted = true;
    } else if (name === 'max-age' || name === 's-maxage') {
      const seconds = Number(rawValue?.trim().replace(/^"|"$/g, ''));
      if (rawValue === undefined || !Number.isFinite(seconds) || seconds < 0) return NO_STORE;
      maxAge = Math.min(maxAge, Math.floor(seconds));
      restricted = true;
    }
  }
  if (!restricted) return undefined;
  if (maxAge <= 0) return NO_STORE;
  return { maxAge, scope, noStore: false };
}
