import type { SubgraphRequest } from '../plugin.js';

/**
 * Headers that cannot change a subgraph's answer and differ per request: keeping them in the key
 * would stop traced requests from ever sharing a fetch. Every other header is in the key.
 */
const ANSWER_NEUTRAL_HEADERS: ReadonlySet<string> = new Set(['traceparent', 'tracestate']);

/**
 * The in-flight dedup key of a fetch: everything that can change the subgraph's answer — the
 * URL, every header that reaches the subgraph (the signed identity among them), the caller's
 * identity (tenant, user, scopes; also when no identity header is sent) and the body with its
 * variables. Each part is length-prefixed, so no two different fetches have the same key.
 */
export function dedupKey(request: SubgraphRequest): string {
  const names = Object.keys(request.headers).sort();
  let headers = '';
  for (const name of names) {
    if (ANSWER_NEUTRAL_HEADERS.has(name)) continue;
    const value = request.headers[name]!;
    headers += `${name.length}:${name}${value.length}:${value}`;
  }
  const identity = request.state?.identityKey ?? '';
  return `${request.url.length}:${request.url}${headers.length}:${headers}${identity.length}:${identity}${request.body}`;
}
