import { IDENTITY_HEADER, type IdentitySigner } from '@intelgraph/identity';
import type { GatewayPlugin, RequestState } from '../plugin.js';

/** Headers a client might send to pose as someone; the gateway never lets them through. */
export const CLIENT_IDENTITY_HEADERS: readonly string[] = [
  IDENTITY_HEADER,
  'x-tenant-id',
  'x-user-id',
  'x-scopes',
];

/**
 * Sends subgraphs the signed identity (HMAC over tenant, user, scopes, timestamp) of each
 * request, signed once per request. Client-sent identity headers are removed on arrival and
 * counted; subgraph requests are built from scratch, so no client header reaches a subgraph
 * except the ones plugins add.
 */
export function useIdentity(options: { signer?: IdentitySigner; onForged?: () => void } = {}): GatewayPlugin {
  const signed = new WeakMap<RequestState, string>();
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
      let header = signed.get(state);
      if (header === undefined) {
        header = options.signer.sign(state.identity);
        signed.set(state, header);
      }
      headers[IDENTITY_HEADER] = header;
    },
  };
}
