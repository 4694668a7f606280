import { IntelGraphError } from '@intelgraph/errors';
import { isCursor, type StoredEvent } from '@intelgraph/message-queue-enhanced';
import type { RequestContext } from '../context/request-context.js';
import type { LiveEventHub } from './live-event-hub.js';

/**
 * A subscription resolver's source: the caller's tenant's events (the tenant comes from the
 * verified identity, never from an argument), after `after` when the client resumes, kept by
 * `accept`. A malformed `after` is `BAD_USER_INPUT`.
 */
export function followEvents(
  hub: LiveEventHub,
  ctx: Pick<RequestContext, 'identity'>,
  args: { readonly after?: string | null },
  accept?: (event: StoredEvent) => boolean,
): AsyncIterableIterator<StoredEvent> {
  if (args.after != null && !isCursor(args.after))
    throw new IntelGraphError('BAD_USER_INPUT', 'after is not an event position (<transaction>:<position>)', {
      input: args.after,
      details: { argument: 'after' },
    });
  return hub.follow(ctx.identity.tenantId, {
    after: args.after ?? undefined,
    ...(accept ? { accept } : {}),
  });
}
