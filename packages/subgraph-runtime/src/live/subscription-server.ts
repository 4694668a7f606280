import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { toIntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import type { StoredEvent } from '@intelgraph/message-queue-enhanced';
import { gauge, type Logger, type Registry } from '@intelgraph/telemetry';
import type { ExecutionArgs, ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { graphqlJs } from '../graphql/graphql-js.js';
import type { IdentityGuard } from '../identity/identity-guard.js';

export interface SubscriptionServerOptions {
  readonly http: Server;
  /** The path upgrades are accepted on (the GraphQL endpoint). Default `/graphql` (and `/`). */
  readonly paths?: readonly string[];
  readonly schema: GraphQLSchema;
  readonly identity: IdentityGuard;
  /**
   * A fresh GraphQL context for one event of a subscription (fresh loaders: an event's fields
   * must see the state after it, never a memo of the previous event's).
   */
  readonly context: (request: { identity: Identity; requestId: string; logger: Logger }) => unknown;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Whether new connections are taken (false while draining). */
  readonly accepting: () => boolean;
  /** WebSocket ping interval, ms. Default 12 000. */
  readonly keepAliveMs?: number;
}

type ConnectionExtra = {
  identity?: Identity;
  requestId?: string;
};

/** The signed identity header from a `connection_init` payload: `{ headers: {…} }` or the headers themselves. */
function headersOf(params: Readonly<Record<string, unknown>> | undefined): IncomingHttpHeaders {
  const source = (params?.headers as Record<string, unknown> | undefined) ?? params ?? {};
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(source))
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  return headers;
}

/**
 * The subgraph's subscriptions over the `graphql-transport-ws` protocol (the `graphql-ws`
 * library), on the subgraph's own port and GraphQL path. The caller (the gateway) sends the
 * same signed identity header it sends with every HTTP request, in the `connection_init` payload
 * (`{ headers: { 'x-intelgraph-identity': … } }`); it is verified exactly as for HTTP, and a
 * connection without a valid one is closed with 4403 before any operation.
 *
 * Each event executes the subscription's selection with a **fresh context** (graphql-js would
 * reuse one context for every event, and with it the loaders' memo), and the event's position
 * goes in `extensions.position` of the payload.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const paths = new Set(options.paths ?? ['/graphql', '/']);
  const wss = new WebSocketServer({ noServer: true });
  const active = gauge(options.registry, {
    name: 'intelgraph_subgraph_ws_connections',
    help: 'graphql-ws connections open on this subgraph',
  });
  options.http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://subgraph').pathname;
    if (!paths.has(path) || !options.accepting()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: options.schema,
      parse: graphqlJs.parse,
      validate: graphqlJs.validate,
      onConnect: (ctx) => {
        try {
          ctx.extra.identity = options.identity.verify(headersOf(ctx.connectionParams));
          ctx.extra.requestId = randomUUID();
          active.inc();
          return true;
        } catch (error) {
          const coded = toIntelGraphError(error);
          options.logger.info({ code: coded.code, reason: coded.message }, 'subscription connection refused');
          return false; // 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        if (ctx.extra.identity) active.dec();
      },
      context: (ctx) => ({ identity: ctx.extra.identity }),
      subscribe: (args) =>
        subscribePerEvent(args, (identity) =>
          options.context({
            identity,
            requestId: randomUUID(),
            logger: options.logger.child({ tenantId: identity.tenantId }),
          }),
        ),
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => options.formatError(error.toJSON(), error)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => options.formatError(e.toJSON(), e)) }
          : undefined,
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  return {
    close: async () => {
      for (const client of wss.clients) client.close(1012, 'Service restart');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * graphql-js `subscribe`, but each event runs with its own context: the source stream comes from
 * the root field's `subscribe` (with the connection's context: identity only), every event is
 * executed with `freshContext(identity)` and carries its position in `extensions`.
 */
async function subscribePerEvent(
  args: ExecutionArgs,
  freshContext: (identity: Identity) => unknown,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const { identity } = args.contextValue as { identity: Identity };
  const sourceContext = freshContext(identity);
  const source = await graphqlJs.createSourceEventStream({ ...args, contextValue: sourceContext });
  if (!(Symbol.asyncIterator in (source as object))) return source as ExecutionResult;
  const events = source as AsyncIterableIterator<unknown>;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      const next = await events.next();
      if (next.done) return { value: undefined, done: true };
      const event = next.value as StoredEvent;
      const result = (await graphqlJs.execute({
        ...args,
        rootValue: event,
        contextValue: freshContext(identity),
      })) as ExecutionResult;
      const position = typeof event?.cursor === 'string' ? event.cursor : undefined;
      return {
        value: position ? { ...result, extensions: { ...result.extensions, position } } : result,
        done: false,
      };
    },
    return: async () => {
      await events.return?.();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}
