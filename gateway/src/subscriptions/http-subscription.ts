import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IntelGraphError, toIntelGraphError } from '@intelgraph/errors';
import type { OperationAnalysis } from '../limits/analyze-operation.js';
import type { RequestState } from '../plugin.js';
import type { SubscriptionResult } from './federated-subscription.js';
import type { SubscriptionProtocol, SubscriptionService } from './subscription-service.js';

/** The streaming protocol an `Accept` header asks for, if any. */
export function streamingProtocol(
  accept: string | undefined,
): Exclude<SubscriptionProtocol, 'graphql-ws'> | undefined {
  if (!accept) return undefined;
  const lower = accept.toLowerCase();
  if (lower.includes('text/event-stream')) return 'sse';
  if (lower.includes('multipart/mixed')) return 'multipart';
  return undefined;
}

/** How one protocol frames results on the response. */
interface Framing {
  readonly headers: Record<string, string>;
  readonly start: string;
  result(result: SubscriptionResult): string;
  /** The gateway ends the subscription with a coded error. */
  failure(error: IntelGraphError): string;
  readonly heartbeat: string;
  readonly end: string;
}

function errorJson(error: IntelGraphError) {
  const { http: _http, ...extensions } = error.toGraphQLExtensions();
  return [{ message: error.message, extensions }];
}

/** GraphQL over SSE, distinct connections mode (graphql-sse): `next` events, then `complete`. */
const SSE: Framing = {
  headers: {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  },
  start: ':\n\n',
  result: (result) => `event: next\ndata: ${JSON.stringify(result)}\n\n`,
  failure: (error) => `event: next\ndata: ${JSON.stringify({ errors: errorJson(error) })}\n\n`,
  heartbeat: ':\n\n',
  end: 'event: complete\ndata:\n\n',
};

/**
 * Apollo's multipart HTTP subscriptions (`Accept: multipart/mixed;subscriptionSpec="1.0"`): each
 * result is a part `{"payload": …}`, a heartbeat is `{}`, and a transport-level end is
 * `{"payload": null, "errors": […]}`.
 */
const MULTIPART: Framing = {
  headers: {
    'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  },
  start: '\r\n--graphql',
  result: (result) =>
    `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify({ payload: result })}\r\n--graphql`,
  failure: (error) =>
    `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify({ payload: null, errors: errorJson(error) })}\r\n--graphql`,
  heartbeat: '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{}\r\n--graphql',
  end: '--\r\n',
};

/**
 * GraphQL incremental delivery over HTTP (`Accept: multipart/mixed` without `subscriptionSpec`:
 * GraphiQL's fetcher, meros, graphql-helix and Yoga clients): each part is one execution result
 * `{data, errors}`, the boundary `-`. No heartbeat part: such clients show every part as a result,
 * and a `{}` one would replace the last event on screen.
 */
const INCREMENTAL: Framing = {
  headers: {
    'content-type': 'multipart/mixed; boundary="-"',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  },
  start: '\r\n---',
  result: (result) =>
    `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(result)}\r\n---`,
  failure: (error) =>
    `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify({ errors: errorJson(error) })}\r\n---`,
  heartbeat: '',
  end: '--\r\n',
};

/** The framing a request's `Accept` header asks for. */
function framingFor(
  protocol: Exclude<SubscriptionProtocol, 'graphql-ws'>,
  accept: string | undefined,
): Framing {
  if (protocol === 'sse') return SSE;
  return /subscriptionspec/i.test(accept ?? '') ? MULTIPART : INCREMENTAL;
}

/**
 * Serves an admitted subscription over a streaming HTTP response (SSE or multipart): keep-alive
 * frames, the socket's backlog bounded (a client that does not read is dropped with
 * `SUBSCRIPTION_SLOW_CONSUMER`), the token's expiry and the drain end it with their code.
 */
export async function serveHttpSubscription(
  service: SubscriptionService,
  state: RequestState,
  analysis: OperationAnalysis,
  req: IncomingMessage,
  res: ServerResponse,
  protocol: Exclude<SubscriptionProtocol, 'graphql-ws'>,
): Promise<void> {
  const framing = framingFor(protocol, req.headers.accept);
  const subscription = service.open(state, analysis, protocol);
  for (const [k, v] of state.responseHeaders) res.setHeader(k, v);
  res.writeHead(200, framing.headers);
  res.flushHeaders();
  res.write(framing.start);
  let gone = false;
  const clientGone = new Promise<void>((resolve) =>
    res.once('close', () => {
      gone = true;
      resolve();
    }),
  );
  const heartbeat = framing.heartbeat
    ? setInterval(() => res.write(framing.heartbeat), service.limits.keepAliveMs).unref()
    : undefined;
  let failure: IntelGraphError | undefined;
  try {
    while (!gone) {
      const next = await Promise.race([
        subscription.results.next().then((r) => ({ kind: 'result' as const, r })),
        subscription.ended.then((error) => ({ kind: 'ended' as const, error })),
        clientGone.then(() => ({ kind: 'gone' as const })),
      ]);
      if (next.kind === 'gone') break;
      if (next.kind === 'ended') {
        failure = next.error;
        break;
      }
      if (next.r.done) break;
      res.write(framing.result(next.r.value));
      service.delivered(protocol);
      if (res.writableLength > service.limits.maxBufferedBytes) {
        service.droppedSlow(protocol);
        failure = service.slowConsumerError(res.writableLength);
        break;
      }
    }
  } catch (error) {
    failure = toIntelGraphError(error);
  } finally {
    clearInterval(heartbeat);
    await subscription.stop();
  }
  state.errorCode = failure?.code;
  if (!gone) {
    if (failure && failure.code !== 'SUBSCRIPTION_SLOW_CONSUMER') res.write(framing.failure(failure));
    if (failure?.code === 'SUBSCRIPTION_SLOW_CONSUMER') res.destroy();
    else res.end(framing.end);
  }
  void req;
}
