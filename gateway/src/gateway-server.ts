import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { IntelGraphError } from '@intelgraph/errors';
import type { Logger, Registry } from '@intelgraph/telemetry';
import type { GraphQLSchema } from 'graphql';
import { withPlanExecutor } from './execution/executor-gateway.js';
import { PlanExecutor } from './execution/plan-executor.js';
import { graphqlOverHttpStatus } from './http/graphql-response-status.js';
import { handleGraphQL } from './http/handle-graphql.js';
import { sendError } from './http/send.js';
import type { OperationAnalyzer } from './limits/operation-analyzer.js';
import type { GatewayPlugin, GatewayRuntime, RequestState } from './plugin.js';
import { buildSubgraphFetch, PipelineDataSource } from './subgraph-fetch/pipeline-data-source.js';
import type { SubgraphTransport } from './subgraph-fetch/undici-transport.js';
import { type SubscriptionLimits, SubscriptionService } from './subscriptions/subscription-service.js';
import { serveWsSubscriptions } from './subscriptions/ws-subscription-server.js';
import type { SupergraphSource } from './supergraph/supergraph-source.js';

export interface GatewayOptions {
  readonly supergraph: SupergraphSource;
  /** Hook objects, outermost first. */
  readonly plugins: readonly GatewayPlugin[];
  /** The HTTP client to subgraphs. */
  readonly transport: SubgraphTransport;
  readonly analyzer: OperationAnalyzer;
  readonly log: Logger;
  /** Largest body (default 100 KiB). */
  readonly maxBodyBytes?: number;
  /** GraphQL endpoint path (default `/graphql`). */
  readonly path?: string;
  /** How long `stop()` lets in-flight requests finish (default 10 000 ms). */
  readonly drainTimeoutMs?: number;
  /** Whether Apollo Server answers introspection (default true; `useIntrospection` refuses it first). */
  readonly introspection?: boolean;
  /**
   * Who executes query plans (default `intelgraph`): our executor (`execution/`) over Apollo's
   * planner and the same fetch pipeline, or `apollo`, Apollo Gateway's `executeQueryPlan`.
   */
  readonly executor?: 'apollo' | 'intelgraph';
  /**
   * Subscriptions (graphql-ws, SSE, multipart) on the GraphQL endpoint, with their limits and the
   * registry their metrics go to. Absent: subscriptions are refused (SUBSCRIPTION_NOT_SUPPORTED).
   */
  readonly subscriptions?: { readonly registry: Registry; readonly limits?: SubscriptionLimits };
}

export type GatewayPhase = 'created' | 'starting' | 'serving' | 'draining' | 'stopped';

/**
 * The gateway: an HTTP server, Apollo Server with Apollo Gateway inside, and the plugins. This
 * file only wires them; every feature lives in a plugin. Lifecycle: `start()` listens first
 * (so `/health` answers while the supergraph loads), then loads the supergraph; `stop()` stops
 * accepting, drains in-flight requests within the deadline, then releases everything.
 */
export class Gateway {
  readonly #options: GatewayOptions;
  readonly #server: Server;
  readonly #apollo: ApolloServer<RequestState>;
  readonly #gateway: ApolloGateway;
  readonly #routes = new Map<string, NonNullable<GatewayPlugin['routes']>[string]>();
  readonly #httpHooks: readonly GatewayPlugin[];
  /** Each in-flight request's state, by its request, for Apollo plugins that see only a copy. */
  readonly #states = new WeakMap<IncomingMessage, RequestState>();
  #phase: GatewayPhase = 'created';
  #schema: GraphQLSchema | undefined;
  #supergraphSdl: string | undefined;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  readonly #subscriptions: SubscriptionService | undefined;
  #wsServer: { close(): Promise<void> } | undefined;

  constructor(options: GatewayOptions) {
    this.#options = options;
    const { plugins, transport } = options;
    for (const p of plugins)
      for (const [path, route] of Object.entries(p.routes ?? {})) this.#routes.set(path, route);
    this.#httpHooks = plugins.filter((p) => p.onHttpRequest);
    const dataSources = new Map<string, GraphQLDataSource<RequestState>>();
    const planExecutor = options.executor === 'apollo' ? undefined : new PlanExecutor({ dataSources });
    this.#gateway = new ApolloGateway({
      supergraphSdl: options.supergraph,
      logger: options.log,
      buildService: ({ name, url }) => {
        if (!url)
          throw new IntelGraphError('SUPERGRAPH_INVALID', `Subgraph "${name}" has no URL in the supergraph`);
        const dataSource = new PipelineDataSource(
          name,
          url,
          buildSubgraphFetch(transport.fetch, plugins, name),
          plugins,
        );
        dataSources.set(name, dataSource);
        return dataSource;
      },
    });
    this.#subscriptions = options.subscriptions
      ? new SubscriptionService({
          plugins,
          dataSources,
          registry: options.subscriptions.registry,
          log: options.log,
          ...(options.subscriptions.limits ? { limits: options.subscriptions.limits } : {}),
        })
      : undefined;
    this.#gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      this.#schema = apiSchema;
      this.#subscriptions?.setSupergraph(coreSupergraphSdl, apiSchema);
      this.#supergraphSdl = coreSupergraphSdl;
      planExecutor?.setSupergraph(coreSupergraphSdl);
      options.analyzer.setSchema(apiSchema);
      for (const p of plugins) p.onSchemaChange?.(apiSchema, coreSupergraphSdl);
    });
    // Apollo Server gives plugins a shallow copy of the context: write the code to the original.
    const states = this.#states;
    const captureErrorCode: ApolloServerPlugin<RequestState> = {
      async requestDidStart() {
        return {
          async willSendResponse({ contextValue, response }) {
            if (response.body.kind === 'single' && response.body.singleResult.errors?.length) {
              const code = response.body.singleResult.errors[0]?.extensions?.code;
              const state = states.get(contextValue.req) ?? contextValue;
              state.errorCode = typeof code === 'string' ? code : 'GRAPHQL_ERROR';
            }
          },
        };
      },
    };
    this.#apollo = new ApolloServer<RequestState>({
      gateway: planExecutor ? withPlanExecutor(this.#gateway, planExecutor) : this.#gateway,
      // Auth is by bearer token, never cookies, so a cross-site GET cannot act as a user: the
      // preflight header Apollo's CSRF check demands would only stop CDN-cacheable GETs.
      csrfPrevention: false,
      // The gateway's entry point handles SIGTERM/SIGINT (drain, stop plugins, close pools, exit 0).
      // Apollo's own handlers (installed when NODE_ENV is not `test`) would stop Apollo first, and
      // our stop() then waited on Apollo's stopping barrier forever, so plugins and pools were
      // never closed and a gateway with Redis connections never exited.
      stopOnTerminationSignals: false,
      persistedQueries: false,
      includeStacktraceInErrorResponses: false,
      introspection: options.introspection ?? true,
      plugins: [
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginSchemaReportingDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginLandingPageDisabled(),
        ...plugins.flatMap((p) => p.apolloPlugins ?? []),
        // After the plugins' (error masking rewrites the errors): the status and the code logged
        // are those of the response as sent.
        graphqlOverHttpStatus,
        captureErrorCode,
      ],
    });
    this.#server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void this.#handle(req, res));
  }

  get phase(): GatewayPhase {
    return this.#phase;
  }

  /** The address the server listens on (after `start`). */
  get address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  get url(): string {
    const { address, port } = this.address;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}${this.#options.path ?? '/graphql'}`;
  }

  get runtime(): GatewayRuntime {
    return {
      log: this.#options.log,
      schema: () => this.#schema,
      supergraphSdl: () => this.#supergraphSdl,
      readiness: () => this.readiness(),
    };
  }

  /** Problems that make the gateway not ready; empty when ready. */
  async readiness(): Promise<string[]> {
    const problems: string[] = [];
    if (this.#phase !== 'serving') problems.push(`gateway is ${this.#phase}`);
    if (!this.#schema) problems.push('no supergraph loaded');
    for (const p of this.#options.plugins) {
      const problem = await p.readiness?.();
      if (problem) problems.push(`${p.name}: ${problem}`);
    }
    return problems;
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    if (this.#phase !== 'created')
      throw new IntelGraphError('INTERNAL_ERROR', `Gateway cannot start: it is ${this.#phase}`);
    this.#phase = 'starting';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    try {
      await this.#apollo.start();
      for (const p of this.#options.plugins) await p.start?.(this.runtime);
    } catch (error) {
      this.#phase = 'stopped';
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
      throw error;
    }
    if (this.#subscriptions)
      this.#wsServer = serveWsSubscriptions({
        http: this.#server,
        path: this.#options.path ?? '/graphql',
        service: this.#subscriptions,
        plugins: this.#options.plugins,
        analyzer: this.#options.analyzer,
        log: this.#options.log,
        accepting: () => this.#phase === 'serving' && this.#schema !== undefined,
      });
    this.#phase = 'serving';
    this.#options.log.info({ url: this.url }, 'gateway serving');
  }

  async stop(): Promise<void> {
    if (this.#phase === 'stopped' || this.#phase === 'draining') return;
    this.#phase = 'draining';
    // Subscribers first: each is ended with SHUTTING_DOWN (WebSocket: 1012 Service Restart), so
    // clients resubscribe elsewhere with their last position; their streaming responses close.
    this.#subscriptions?.drain();
    await this.#wsServer?.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const deadline = this.#options.drainTimeoutMs ?? 10_000;
    if (this.#inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#drained = resolve;
        }),
        new Promise<void>((resolve) => setTimeout(resolve, deadline).unref()),
      ]);
    }
    this.#server.closeAllConnections();
    await closed;
    this.#options.log.debug('listener closed; stopping Apollo');
    await this.#apollo
      .stop()
      .catch((error: unknown) => this.#options.log.warn({ err: error }, 'apollo stop failed'));
    for (const p of [...this.#options.plugins].reverse()) {
      if (!p.stop) continue;
      this.#options.log.debug({ plugin: p.name }, 'stopping plugin');
      await p.stop();
    }
    await this.#options.transport.close();
    this.#phase = 'stopped';
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // In flight until the response is flushed ('close'), not merely answered: a response to a
    // pipelined request waits behind the one before it (a request that came during the drain is
    // answered SHUTTING_DOWN that way), and closing the connections earlier would cut it.
    this.#inFlight++;
    res.once('close', () => {
      if (--this.#inFlight === 0) this.#drained?.();
    });
    // Once draining, tell keep-alive clients to go elsewhere.
    if (this.#phase === 'draining') res.setHeader('connection', 'close');
    try {
      for (const p of this.#httpHooks) if (p.onHttpRequest!(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://gateway');
      const path = this.#options.path ?? '/graphql';
      if (url.pathname === path) {
        await handleGraphQL(req, res, url, {
          apollo: this.#apollo,
          plugins: this.#options.plugins,
          analyzer: this.#options.analyzer,
          log: this.#options.log,
          maxBodyBytes: this.#options.maxBodyBytes ?? 102_400,
          loaded: () => this.#schema !== undefined && this.#phase === 'serving',
          draining: () => this.#phase === 'draining' || this.#phase === 'stopped',
          track: (state) => this.#states.set(state.req, state),
          ...(this.#subscriptions ? { subscriptions: this.#subscriptions } : {}),
        });
        return;
      }
      const route = this.#routes.get(url.pathname);
      if (route && (req.method === 'GET' || req.method === 'HEAD')) {
        await route(req, res, url);
        return;
      }
      req.resume();
      sendError(
        res,
        new IntelGraphError('ROUTE_NOT_FOUND', `No route ${url.pathname}`, { input: url.pathname }),
      );
    } catch (error) {
      this.#options.log.error({ err: error }, 'unhandled error in request');
      if (!res.headersSent)
        sendError(res, new IntelGraphError('INTERNAL_ERROR', 'Internal error', { cause: error }));
      else res.destroy();
    }
  }
}
