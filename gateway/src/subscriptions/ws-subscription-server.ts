import { type IncomingMessage, type Server, ServerResponse } from 'node:http';
import { IntelGraphError, toIntelGraphError } from '@intelgraph/errors';
import { type Logger, resolveRequestId } from '@intelgraph/telemetry';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { graphqlJs } from '../graphql-js.js';
import { admitOperation, analyzeRequest } from '../http/admit-operation.js';

/**
 * A refused `subscribe` runs this document, whose source stream fails with the refusal: graphql-ws
 * then sends an `error` message (its way of refusing an operation). Returning the errors from
 * `onSubscribe` would need them to be `instanceof` the graphql-js copy graphql-ws loaded, which
 * under a bundler or test runner need not be ours.
 */
const REFUSED = graphqlJs.parse('subscription Refused { __typename }');

import type { OperationAnalyzer } from '../limits/operation-analyzer.js';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import type { ActiveSubscription, SubscriptionService } from './subscription-service.js';

/** Close codes of the gateway's graphql-ws connections beyond the protocol's own. */
export const WS_CLOSE = {
  /** The token expired (reason `TOKEN_EXPIRED`): reconnect with a fresh token. */
  tokenExpired: 4401,
  /** The client did not read its results fast enough (reason `SUBSCRIPTION_SLOW_CONSUMER`). */
  slowConsumer: 4429,
  /** The instance drains (1012 Service Restart): reconnect, to another instance. */
  serviceRestart: 1012,
} as const;

/** The plugins that establish who the client is: run once, on `connection_init`. */
const CONNECT_PLUGINS = new Set(['identity', 'auth']);

export interface WsSubscriptionServerOptions {
  readonly http: Server;
  readonly path: string;
  readonly service: SubscriptionService;
  readonly plugins: readonly GatewayPlugin[];
  readonly analyzer: OperationAnalyzer;
  readonly log: Logger;
  /** Whether the gateway takes new connections (serving, supergraph loaded). */
  readonly accepting: () => boolean;
}

type ConnectionExtra = {
  state?: RequestState;
  subscriptions?: Map<string, ActiveSubscription>;
};

/** The token a `connection_init` payload carries: `Authorization`/`authorization`, or in `headers`. */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const headers = (params?.headers as Record<string, unknown> | undefined) ?? {};
  for (const source of [params ?? {}, headers]) {
    for (const [key, value] of Object.entries(source)) {
      if (key.toLowerCase() === 'authorization' && typeof value === 'string') return value;
    }
  }
  const token = params?.token;
  return typeof token === 'string' ? `Bearer ${token}` : undefined;
}

/** A request state for a WebSocket connection: its upgrade request, with the token from `connection_init`. */
function connectionState(
  request: IncomingMessage,
  authorization: string | undefined,
  log: Logger,
): RequestState {
  const headers = { ...request.headers };
  if (authorization) headers.authorization = authorization;
  else delete headers.authorization;
  const req = Object.create(request, { headers: { value: headers } }) as IncomingMessage;
  const requestId = resolveRequestId(request.headers['x-request-id']);
  return {
    requestId,
    req,
    res: new ServerResponse(req),
    method: 'POST',
    startedAt: performance.now(),
    log,
    params: {},
    identity: undefined,
    identityKey: '',
    traceparent: undefined,
    operationName: undefined,
    operationType: undefined,
    errorCode: undefined,
    responseHeaders: new Map([['x-request-id', requestId]]),
  };
}

/** A refused operation's source stream: fails on the first pull. */
function failing(error: unknown): AsyncIterableIterator<never> {
  const iterator: AsyncIterableIterator<never> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => Promise.reject(error),
    return: async () => ({ value: undefined, done: true }),
  };
  return iterator;
}

/** A GraphQL error as sent: the coded error behind it (`originalError`) gives message and code. */
function formatError(error: {
  message: string;
  originalError?: unknown;
  toJSON?: () => unknown;
}): GraphQLFormattedError {
  let original: unknown = error.originalError;
  while (original && typeof original === 'object' && 'originalError' in original && original.originalError)
    original = original.originalError;
  if (original instanceof IntelGraphError) {
    const { http: _http, ...extensions } = original.toGraphQLExtensions();
    return { message: original.message, extensions };
  }
  return typeof error.toJSON === 'function'
    ? (error.toJSON() as GraphQLFormattedError)
    : { message: error.message };
}

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` library) on the gateway's
 * GraphQL path and port. `connection_init` carries the token (`{ Authorization: 'Bearer …' }`,
 * also under `headers`); the identity and auth plugins check it (4403 Forbidden otherwise). Each
 * `subscribe` then goes through the other request plugins (rate limit, persisted queries) and
 * the operation plugins (limits, cost, authorization) like an HTTP request, and is refused with
 * an `error` message carrying the code. Per-connection limit; ping/pong keep-alive; the token's
 * expiry closes the connection with 4401 `TOKEN_EXPIRED`, a slow reader with 4429, the drain
 * with 1012.
 */
export function serveWsSubscriptions(options: WsSubscriptionServerOptions): { close(): Promise<void> } {
  const { service } = options;
  const wss = new WebSocketServer({ noServer: true });
  options.http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== options.path || !options.accepting() || service.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      parse: graphqlJs.parse,
      validate: () => [],
      onConnect: async (ctx) => {
        const state = connectionState(ctx.extra.request, authorizationOf(ctx.connectionParams), options.log);
        try {
          for (const p of options.plugins)
            if (CONNECT_PLUGINS.has(p.name) && p.onRequest) await p.onRequest(state);
        } catch (error) {
          const coded = toIntelGraphError(error);
          options.log.info({ code: coded.code, reason: coded.message }, 'subscription connection refused');
          ctx.extra.socket.close(CloseCode.Forbidden, coded.code);
          return false;
        }
        ctx.extra.state = state;
        ctx.extra.subscriptions = new Map();
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.state!;
        const subscriptions = ctx.extra.subscriptions!;
        const state: RequestState = {
          ...connection,
          requestId: `${connection.requestId}:${id}`,
          startedAt: performance.now(),
          params: {
            // graphql-ws makes `query` a string: an empty one is a persisted operation's hash
            // alone (`extensions.persistedQuery`), as an absent `query` is over HTTP.
            ...(payload.query ? { query: payload.query } : {}),
            ...(payload.operationName ? { operationName: payload.operationName } : {}),
            ...(payload.variables ? { variables: payload.variables } : {}),
            ...(payload.extensions ? { extensions: payload.extensions } : {}),
          },
          responseHeaders: new Map(),
        };
        try {
          if (subscriptions.size >= service.limits.perConnection)
            throw new IntelGraphError(
              'SUBSCRIPTION_LIMIT_EXCEEDED',
              `this connection holds ${subscriptions.size} subscriptions (limit ${service.limits.perConnection})`,
              { details: { scope: 'connection', limit: service.limits.perConnection } },
            );
          for (const p of options.plugins)
            if (!CONNECT_PLUGINS.has(p.name) && p.onRequest) await p.onRequest(state);
          const query = state.params.query;
          if (!query) throw new IntelGraphError('QUERY_MISSING', 'The subscribe message has no query');
          const analysis = analyzeRequest(state, options.analyzer, query);
          if (analysis.operationType !== 'subscription')
            throw new IntelGraphError(
              'SUBSCRIPTION_NOT_SUPPORTED',
              'Only subscriptions are served over WebSocket here; send queries and mutations over HTTP',
              { input: state.operationName },
            );
          await admitOperation(state, analysis, options.plugins);
          const subscription = service.open(state, analysis, 'graphql-ws');
          subscriptions.set(id, subscription);
          void subscription.ended.then((error) => {
            if (!subscriptions.has(id)) return;
            const code =
              error.code === 'TOKEN_EXPIRED'
                ? WS_CLOSE.tokenExpired
                : error.code === 'SHUTTING_DOWN'
                  ? WS_CLOSE.serviceRestart
                  : 4500;
            ctx.extra.socket.close(code, error.code);
          });
          return {
            schema: undefined as never,
            document: analysis.document,
            contextValue: { subscription },
            ...(state.operationName ? { operationName: state.operationName } : {}),
          };
        } catch (error) {
          const coded = toIntelGraphError(error);
          state.errorCode = coded.code;
          return {
            schema: undefined as never,
            document: REFUSED,
            operationName: 'Refused',
            contextValue: { refusal: coded },
          };
        }
      },
      subscribe: (args) => {
        const context = args.contextValue as { subscription?: ActiveSubscription; refusal?: IntelGraphError };
        return (context.subscription ? context.subscription.results : failing(context.refusal)) as never;
      },
      // Never reached: onSubscribe hands graphql-ws only subscription documents.
      execute: () =>
        failing(new IntelGraphError('SUBSCRIPTION_NOT_SUPPORTED', 'Only subscriptions')) as never,
      // Our results are formatted already (plain errors): returned as they are, graphql-ws sends them.
      onNext: (ctx, _id, _payload, _args, result) => {
        service.delivered('graphql-ws');
        const buffered = ctx.extra.socket.bufferedAmount;
        if (buffered > service.limits.maxBufferedBytes) {
          service.droppedSlow('graphql-ws');
          ctx.extra.socket.close(WS_CLOSE.slowConsumer, 'SUBSCRIPTION_SLOW_CONSUMER');
        }
        return result as unknown as FormattedExecutionResult;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
      onComplete: async (ctx, id) => {
        const subscription = ctx.extra.subscriptions?.get(id);
        ctx.extra.subscriptions?.delete(id);
        await subscription?.stop();
      },
      onClose: async (ctx) => {
        const subscriptions = ctx.extra.subscriptions;
        if (!subscriptions) return;
        const all = [...subscriptions.values()];
        subscriptions.clear();
        await Promise.all(all.map((s) => s.stop()));
      },
    },
    wss,
    service.limits.keepAliveMs,
  );
  return {
    close: async () => {
      for (const client of wss.clients) client.close(WS_CLOSE.serviceRestart, 'SHUTTING_DOWN');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
