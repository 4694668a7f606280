import { IntelGraphError } from '@intelgraph/errors';
import { Agent, errors as undiciErrors } from 'undici';
import type { SubgraphFetch, SubgraphRequest, SubgraphResponse } from '../plugin.js';

export interface UndiciTransportOptions {
  /** Keep-alive connections per subgraph origin (default 64). */
  readonly connections?: number;
  /** Default timeout of one fetch, headers and body each (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Per-subgraph timeouts overriding `timeoutMs`. */
  readonly timeouts?: Readonly<Record<string, number>>;
  /** How long an idle connection is kept (default 30 000 ms). */
  readonly keepAliveTimeoutMs?: number;
}

/**
 * Why a subgraph fetch failed, in `details.failure` of its error: `connect` (refused, reset or
 * closed before any response), `timeout` (SUBGRAPH_TIMEOUT_MS), `5xx` (an error status without
 * GraphQL data), `body` (the answer broke off, or is not GraphQL JSON).
 */
export type SubgraphFailure = 'connect' | 'timeout' | '5xx' | 'body';

export interface SubgraphTransport {
  readonly fetch: SubgraphFetch;
  close(): Promise<void>;
}

/**
 * The subgraph HTTP client: one undici Agent (a keep-alive pool per origin). It replaces the
 * gateway's default make-fetch-happen fetcher, which builds WHATWG Request/Response objects and
 * runs an HTTP cache layer on every call. Timeouts use undici's own coarse timers rather than
 * an AbortSignal per fetch, which would cost a timer and a listener each; the request's overall
 * deadline arrives as `request.signal` (one timer per request, see `useRequestDeadline`).
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): SubgraphTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 600_000,
    pipelining: 1,
  });
  const timeoutOf = (subgraph: string): number => options.timeouts?.[subgraph] ?? timeoutMs;
  const urls = new Map<string, { origin: string; path: string }>();
  const split = (url: string): { origin: string; path: string } => {
    let parts = urls.get(url);
    if (!parts) {
      const u = new URL(url);
      parts = { origin: u.origin, path: `${u.pathname}${u.search}` };
      urls.set(url, parts);
    }
    return parts;
  };

  const fetch = async (request: SubgraphRequest): Promise<SubgraphResponse> => {
    const { signal } = request;
    if (signal?.aborted) throw signal.reason;
    const { origin, path } = split(request.url);
    const timeout = timeoutOf(request.subgraph);
    let status = 0;
    let text: string;
    let cacheControl: string | string[] | undefined;
    try {
      const res = await agent.request({
        origin,
        path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal,
      });
      status = res.statusCode;
      cacheControl = res.headers['cache-control'];
      text = await res.body.text();
    } catch (error) {
      // Abandoned by every caller (the request deadline, or all sharing requests gone).
      if (signal?.aborted) throw signal.reason;
      if (
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError
      ) {
        throw new IntelGraphError(
          'SUBGRAPH_TIMEOUT',
          `Subgraph "${request.subgraph}" timed out after ${timeout} ms`,
          {
            cause: error,
            details: { serviceName: request.subgraph, timeoutMs: timeout, failure: 'timeout' },
          },
        );
      }
      // Before the status line nothing of an answer arrived: refused, reset, closed. Only this
      // kind is retried by default (SUBGRAPH_RETRY_ON).
      const failure: SubgraphFailure = status === 0 ? 'connect' : 'body';
      throw new IntelGraphError(
        'SUBGRAPH_REQUEST_FAILED',
        failure === 'connect'
          ? `Subgraph "${request.subgraph}" could not be reached`
          : `Subgraph "${request.subgraph}" broke off its answer`,
        {
          cause: error,
          details: {
            serviceName: request.subgraph,
            reason: (error as Error).message,
            failure,
            ...(status === 0 ? {} : { status }),
          },
        },
      );
    }
    let body: SubgraphResponse['body'];
    try {
      body = JSON.parse(text) as SubgraphResponse['body'];
    } catch (error) {
      throw new IntelGraphError(
        'SUBGRAPH_REQUEST_FAILED',
        `Subgraph "${request.subgraph}" answered ${status} without JSON`,
        {
          cause: error,
          details: { serviceName: request.subgraph, status, failure: status >= 500 ? '5xx' : 'body' },
        },
      );
    }
    if (typeof body !== 'object' || body === null || (status >= 500 && body.data === undefined)) {
      throw new IntelGraphError(
        'SUBGRAPH_REQUEST_FAILED',
        `Subgraph "${request.subgraph}" answered ${status}`,
        {
          details: { serviceName: request.subgraph, status, failure: status >= 500 ? '5xx' : 'body' },
        },
      );
    }
    if (cacheControl === undefined) return { status, body };
    return {
      status,
      body,
      cacheControl: Array.isArray(cacheControl) ? cacheControl.join(', ') : cacheControl,
    };
  };
  return { fetch, close: () => agent.close() };
}
