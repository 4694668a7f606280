import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { IntelGraphError, toIntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';
import {
  counter,
  gauge,
  histogram,
  type Logger,
  type Registry,
  resolveRequestId,
} from '@intelgraph/telemetry';
import type { IdentityGuard } from '../identity/identity-guard.js';
import { sendGraphQLError, sendJson } from './http-responses.js';
import { parseJsonBody, readBody } from './read-body.js';
import type { Readiness } from './readiness.js';

export type ServerState = 'starting' | 'ready' | 'draining' | 'stopped';

export interface SubgraphServerOptions<C extends BaseContext> {
  readonly service: string;
  readonly apollo: ApolloServer<C>;
  readonly identity: IdentityGuard;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Builds the GraphQL context of one verified request. */
  readonly context: (request: { identity: Identity; requestId: string; logger: Logger }) => C;
  /** What the storage (or other parts) allow: serving at all, degraded, and details for the body. */
  readonly readiness?: () => Readiness;
  /** Largest accepted body. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * The HTTP face of a subgraph, on `node:http` with Apollo Server's integration API
 * (`executeHTTPGraphQLRequest`): no web framework. Routes `/graphql` (also `/`), `/health`
 * (alive), `/ready` (serving: started, not draining, storage able to serve) and `/metrics`. Identity is
 * verified before any GraphQL work; a request without a valid identity gets 401 and a coded body.
 */
export class SubgraphServer<C extends BaseContext> {
  readonly #options: SubgraphServerOptions<C>;
  readonly #http: Server;
  #state: ServerState = 'starting';
  #inFlight = 0;
  #idle: (() => void) | undefined;
  readonly #metrics;

  constructor(options: SubgraphServerOptions<C>) {
    this.#options = options;
    this.#http = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        options.logger.error({ err: error }, 'request handler failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL_ERROR' } }],
          });
        else res.destroy();
      });
    });
    this.#http.keepAliveTimeout = 65_000;
    const { registry } = options;
    this.#metrics = {
      requests: counter(registry, {
        name: 'intelgraph_subgraph_http_requests_total',
        help: 'HTTP requests by route and status',
        labelNames: ['route', 'status'],
      }),
      duration: histogram(registry, {
        name: 'intelgraph_subgraph_http_request_duration_seconds',
        help: 'GraphQL request duration',
        labelNames: ['route'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
      inFlight: gauge(registry, {
        name: 'intelgraph_subgraph_requests_in_flight',
        help: 'GraphQL requests in flight',
      }),
    };
  }

  get state(): ServerState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The node HTTP server (the subscriptions' WebSocket upgrades attach to it). */
  get http(): Server {
    return this.#http;
  }

  /** Listens; resolves with the URL of the GraphQL endpoint. */
  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    this.#state = 'ready';
    const address = this.#http.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shownHost}:${address.port}/graphql`;
  }

  /**
   * Graceful stop: `/ready` turns 503 at once (the load balancer stops sending), new GraphQL
   * requests get `SERVICE_NOT_READY`, requests in flight finish (up to `timeoutMs`), then the
   * listener and every idle keep-alive connection close.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'draining';
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeIdleConnections();
      setTimeout(() => this.#http.closeAllConnections(), 100).unref();
    });
    this.#state = 'stopped';
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    const requestId = resolveRequestId(req.headers['x-request-id']);
    switch (url.pathname) {
      case '/health':
        this.#metrics.requests.inc({ route: 'health', status: '200' });
        return sendJson(res, 200, { status: 'ok', service: this.#options.service });
      case '/ready': {
        // 200 while the service can serve part of its traffic: a degraded shard is reported in
        // the body, not by leaving the Service (see storageReadiness).
        const readiness = this.#options.readiness?.();
        const serving = readiness?.serving ?? true;
        const ready = this.#state === 'ready' && serving;
        this.#metrics.requests.inc({ route: 'ready', status: ready ? '200' : '503' });
        const status =
          this.#state !== 'ready'
            ? this.#state
            : !serving
              ? 'unavailable'
              : readiness?.degraded
                ? 'degraded'
                : 'ready';
        return sendJson(res, ready ? 200 : 503, {
          status,
          service: this.#options.service,
          ...readiness?.details,
        });
      }
      case '/metrics': {
        const text = await this.#options.registry.metrics();
        res.writeHead(200, { 'content-type': this.#options.registry.contentType });
        res.end(text);
        return;
      }
      case '/':
      case '/graphql':
        return this.#graphql(req, res, url, requestId);
      default:
        this.#metrics.requests.inc({ route: 'other', status: '404' });
        return sendJson(res, 404, { error: `no route ${url.pathname}` }, requestId);
    }
  }

  async #graphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const started = performance.now();
    this.#inFlight += 1;
    this.#metrics.inFlight.inc();
    let status = 500;
    try {
      if (this.#state !== 'ready') {
        const error = new IntelGraphError('SERVICE_NOT_READY', `${this.#options.service} is ${this.#state}`, {
          details: { state: this.#state },
        });
        status = error.httpStatus;
        return sendGraphQLError(res, error, requestId);
      }
      let identity: Identity;
      let body: unknown;
      try {
        identity = this.#options.identity.verify(req.headers);
        body =
          req.method === 'POST'
            ? parseJsonBody(await readBody(req, this.#options.maxBodyBytes ?? 1 << 20))
            : undefined;
      } catch (error) {
        const coded = toIntelGraphError(error);
        status = coded.httpStatus;
        this.#options.logger.info({ requestId, code: coded.code, reason: coded.message }, 'request refused');
        // The body may be partly unread: this connection cannot carry another request.
        if (!req.complete) res.setHeader('connection', 'close');
        return sendGraphQLError(res, coded, requestId);
      }
      const logger = this.#options.logger.child({ requestId, tenantId: identity.tenantId });
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const context = this.#options.context({ identity, requestId, logger });
      const response = await this.#options.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => context,
      });
      status = response.status ?? 200;
      const outHeaders: Record<string, string> = { 'x-request-id': requestId };
      for (const [name, value] of response.headers) outHeaders[name] = value;
      res.writeHead(status, outHeaders);
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } finally {
      this.#inFlight -= 1;
      this.#metrics.inFlight.dec();
      this.#metrics.requests.inc({ route: 'graphql', status: String(status) });
      this.#metrics.duration.observe({ route: 'graphql' }, (performance.now() - started) / 1000);
      if (this.#inFlight === 0) this.#idle?.();
    }
  }
}
