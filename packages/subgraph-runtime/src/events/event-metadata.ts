import type { RequestContext } from '../context/request-context.js';

/**
 * Who caused an event, as every subgraph records it in `metadata`: the tenant (what the gateway's
 * cache invalidation scopes type purges by), the user, and the request.
 */
export function eventMetadata(ctx: Pick<RequestContext, 'identity' | 'requestId'>): Record<string, unknown> {
  return { tenantId: ctx.identity.tenantId, userId: ctx.identity.userId ?? null, requestId: ctx.requestId };
}
