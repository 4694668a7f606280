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

export interface SubgraphTransport {
  readonly fetch: SubgraphFetch;
  close(): Promise<void>;
}

/**
 * The subgraph HTTP client: one undici Agent (a keep-alive pool per origin). It replaces the
 * gateway's default make-fetch-happen fetcher, which builds WHATWG Request/Response objects and
 * runs an HTTP cache layer on every call. Timeouts use undici's own coarse timers rather than
 * an AbortSignal per request, which would cost a timer and a listener each.
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
    const { origin, path } = split(request.url);
    const timeout = timeoutOf(request.subgraph);
    let status: number;
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
      });
      status = res.statusCode;
      cacheControl = res.headers['cache-control'];
      text = await res.body.text();
    } catch (error) {
      if (
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError
      ) {
        throw new IntelGraphError(
          'SUBGRAPH_TIMEOUT',
          `Subgraph "${request.subgraph}" timed out after ${timeout} ms`,
          {
            cause: error,
            details: { serviceName: request.subgraph, timeoutMs: timeout },
          },
        );
      }
      throw new IntelGraphError(
        'SUBGRAPH_REQUEST_FAILED',
        `Subgraph "${request.subgraph}" could not be reached`,
        {
          cause: error,
          details: { serviceName: request.subgraph, reason: (error as Error).message },
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
          details: { serviceName: request.subgraph, status },
        },
      );
    }
    if (typeof body !== 'object' || body === null || (status >= 500 && body.data === undefined)) {
      throw new IntelGraphError(
        'SUBGRAPH_REQUEST_FAILED',
        `Subgraph "${request.subgraph}" answered ${status}`,
        {
          details: { serviceName: request.subgraph, status },
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
