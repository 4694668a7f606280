import { IDENTITY_HEADER, type IdentitySigner } from '@intelgraph/identity';
import type { GatewayPlugin, RequestState } from '../plugin.js';

/** Headers a client might send to pose as someone; the gateway never lets them through. */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = [
  IDENTITY_HEADER,
  'x-tenant-id',
  'x-user-id',
  'x-scopes',
];

/** How long one signed header is reused for later requests of the same identity. */
const REUSE_MS = 1000;
const MAX_REMEMBERED = 10_000;

/**
 * Sends subgraphs the signed identity (HMAC over tenant, user, scopes, timestamp) of each
 * request. A header signed for an identity is reused by that identity's requests for a second
 * (its timestamp is then at most a second older than the request, well inside the subgraphs'
 * skew window), so a busy client costs one HMAC per second, not one per request. Client-sent
 * identity headers are removed on arrival and counted; subgraph requests are built from scratch,
 * so no client header reaches a subgraph except the ones plugins add.
 */
export function useIdentity(options: { signer?: IdentitySigner; onForged?: () => void } = {}): GatewayPlugin {
  const recent = new Map<string, { readonly header: string; readonly at: number }>();
  const signFor = (state: RequestState): string => {
    const key = state.identityKey;
    const now = performance.now();
    const hit = recent.get(key);
    if (hit !== undefined && now - hit.at < REUSE_MS) return hit.header;
    const header = options.signer!.sign(state.identity!);
    if (recent.size >= MAX_REMEMBERED) recent.clear();
    recent.set(key, { header, at: now });
    return header;
  };
  return {
    name: 'identity',
    onRequest(state) {
      for (const h of CLIENT_IDENTITY_HEADERS) {
        if (state.req.headers[h] !== undefined) {
          delete state.req.headers[h];
          options.onForged?.();
          state.log.warn({ requestId: state.requestId, header: h }, 'client-sent identity header stripped');
        }
      }
    },
    subgraphHeaders(state, headers) {
      if (!options.signer || !state?.identity) return;
      headers[IDENTITY_HEADER] = signFor(state);
    },
  };
}
