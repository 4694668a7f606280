import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { IntelGraphError, toIntelGraphError } from '@intelgraph/errors';
import { type Logger, resolveRequestId } from '@intelgraph/telemetry';
import type { OperationAnalyzer } from '../limits/operation-analyzer.js';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { serveHttpSubscription, streamingProtocol } from '../subscriptions/http-subscription.js';
import type { SubscriptionService } from '../subscriptions/subscription-service.js';
import { admitOperation, analyzeRequest } from './admit-operation.js';
import { readGraphQLParams } from './graphql-params.js';
import { sendError } from './send.js';

export interface HandleGraphQLDeps {
  readonly apollo: ApolloServer<RequestState>;
  readonly plugins: readonly GatewayPlugin[];
  readonly analyzer: OperationAnalyzer;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly loaded: () => boolean;
  /** True once the gateway drains before stopping: new requests are turned away (SHUTTING_DOWN). */
  readonly draining?: () => boolean;
  /**
   * Called with each request's state as soon as it exists. Apollo Server hands its plugins a
   * shallow copy of the context, so what they learn (the error code) must be written back to the
   * original through this registration.
   */
  readonly track?: (state: RequestState) => void;
  /** Subscriptions over streaming responses (SSE, multipart); absent: subscriptions are refused. */
  readonly subscriptions?: SubscriptionService;
}

/** Apollo refuses a present-but-undefined `variables`/`extensions`; send only what is set. */
function definedOnly(params: RequestState['params']): Record<string, unknown> {
  const body: Record<string, unknown> = { query: params.query };
  if (params.operationName !== undefined) body.operationName = params.operationName;
  if (params.variables !== undefined) body.variables = params.variables;
  if (params.extensions !== undefined) body.extensions = params.extensions;
  return body;
}

/** What Apollo Server needs of the HTTP request: the body is parsed already; `accept` picks the response's media type. */
function apolloHeaders(accept: string | undefined): HeaderMap {
  const headers = new HeaderMap([['content-type', 'application/json']]);
  if (accept) headers.set('accept', accept);
  return headers;
}

/**
 * One GraphQL request: read the params, run the plugins' request hooks (auth, rate limit,
 * persisted queries), parse and measure the operation once, run the operation hooks (limits,
 * authorization), then hand it to Apollo Server. Any refusal is an IntelGraphError answered with
 * its status and code; nothing a client sends can make this throw past it.
 */
export async function handleGraphQL(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: HandleGraphQLDeps,
): Promise<void> {
  const requestId = resolveRequestId(req.headers['x-request-id']);
  const state: RequestState = {
    requestId,
    req,
    res,
    method: req.method === 'GET' ? 'GET' : 'POST',
    startedAt: performance.now(),
    log: deps.log,
    params: {},
    identity: undefined,
    identityKey: '',
    traceparent: undefined,
    operationName: undefined,
    operationType: undefined,
    errorCode: undefined,
    responseHeaders: new Map([['x-request-id', requestId]]),
  };
  deps.track?.(state);
  let status = 200;
  try {
    if (deps.draining?.()) {
      req.resume();
      // The listener is closed already: this request came on a kept-alive connection. Closing it
      // sends the client's retry to another instance.
      state.responseHeaders.set('connection', 'close');
      throw new IntelGraphError('SHUTTING_DOWN', 'This gateway instance is shutting down; retry the request');
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      throw new IntelGraphError(
        'METHOD_NOT_ALLOWED',
        `Method ${req.method} is not allowed; use GET or POST`,
        {
          input: req.method,
        },
      );
    }
    state.params = await readGraphQLParams(req, url, deps.maxBodyBytes);
    for (const p of deps.plugins) if (p.onRequest) await p.onRequest(state);
    const query = state.params.query;
    if (query === undefined || query === '') {
      throw new IntelGraphError('QUERY_MISSING', 'The request has no query');
    }
    if (!deps.loaded())
      throw new IntelGraphError('SUPERGRAPH_NOT_LOADED', 'The gateway has no supergraph yet');
    const analysis = analyzeRequest(state, deps.analyzer, query);
    if (state.method === 'GET' && analysis.operationType === 'mutation') {
      throw new IntelGraphError('METHOD_NOT_ALLOWED', 'Mutations must be sent with POST', {
        input: state.operationName,
      });
    }
    const streaming =
      analysis.operationType === 'subscription' ? streamingProtocol(req.headers.accept) : undefined;
    if (analysis.operationType === 'subscription' && (!deps.subscriptions || !streaming)) {
      throw new IntelGraphError(
        'SUBSCRIPTION_NOT_SUPPORTED',
        deps.subscriptions
          ? 'A subscription needs a streaming response: send Accept: text/event-stream (GraphQL over SSE) or multipart/mixed;subscriptionSpec="1.0", or connect over WebSocket (graphql-transport-ws)'
          : 'Subscriptions are not enabled on this gateway',
        { input: state.operationName },
      );
    }
    await admitOperation(state, analysis, deps.plugins);
    if (deps.subscriptions && streaming) {
      await serveHttpSubscription(deps.subscriptions, state, analysis, req, res, streaming);
      return;
    }

    const response = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: 'POST',
        headers: apolloHeaders(req.headers.accept),
        search: '',
        body: definedOnly(state.params),
      },
      context: async () => state,
    });
    status = response.status ?? 200;
    for (const [k, v] of response.headers) res.setHeader(k, v);
    for (const [k, v] of state.responseHeaders) res.setHeader(k, v);
    if (response.body.kind === 'complete') {
      res.writeHead(status, { 'content-length': Buffer.byteLength(response.body.string) });
      res.end(response.body.string);
    } else {
      res.writeHead(status);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  } catch (error) {
    const e = toIntelGraphError(error);
    if (e.code === 'INTERNAL_ERROR') state.log.error({ err: error, requestId }, 'request failed');
    state.errorCode = e.code;
    status = e.httpStatus;
    if (res.headersSent) res.destroy();
    else status = sendError(res, e, state.responseHeaders, req.headers.accept);
  } finally {
    for (const p of deps.plugins) p.onResponse?.(state, status, state.errorCode);
  }
}
