import type { GraphQLDataSource } from '@apollo/gateway';
import { IntelGraphError } from '@intelgraph/errors';
import { counter, gauge, type Logger, type Registry } from '@intelgraph/telemetry';
import type { GraphQLSchema } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { OperationAnalysis } from '../limits/analyze-operation.js';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { federatedSubscription, type SubscriptionResult } from './federated-subscription.js';
import { SubscriptionPlanner } from './subscription-planner.js';
import { tokenExpiry } from './token-expiry.js';

export type SubscriptionProtocol = 'graphql-ws' | 'sse' | 'multipart';

export interface SubscriptionLimits {
  /** Subscriptions one WebSocket connection may hold at once. Default 20. */
  readonly perConnection?: number;
  /** Subscriptions one tenant may hold at once on this instance. Default 1000. */
  readonly perTenant?: number;
  /** Bytes a subscriber's socket may have waiting before it is dropped as slow. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /**
   * Keep-alive interval (WebSocket ping, SSE comment, multipart `{}` part), ms; also the upstream
   * connections' ping interval and pong deadline. Default 12 000.
   */
  readonly keepAliveMs?: number;
}

export const SUBSCRIPTION_DEFAULTS = {
  perConnection: 20,
  perTenant: 1000,
  maxBufferedBytes: 1 << 20,
  keepAliveMs: 12_000,
} as const;

export interface SubscriptionServiceOptions {
  readonly plugins: readonly GatewayPlugin[];
  readonly dataSources: ReadonlyMap<string, GraphQLDataSource<RequestState>>;
  readonly registry: Registry;
  readonly log: Logger;
  readonly limits?: SubscriptionLimits;
}

/** One running subscription of one client, whatever its protocol. */
export interface ActiveSubscription {
  readonly results: AsyncIterableIterator<SubscriptionResult>;
  /** Settles with the error that ends it from the gateway's side (token expired, drain). */
  readonly ended: Promise<IntelGraphError>;
  /** Ends it (client gone, completed); idempotent. */
  stop(): Promise<void>;
}

/**
 * The gateway's subscriptions, behind the three client protocols: plans with Apollo's query
 * planner, runs each as a federated subscription, and keeps the operational rules — limits per
 * tenant (here) and per connection (the WebSocket server), the token's expiry, the drain, and the
 * metrics (active subscriptions by protocol, events delivered, slow consumers dropped).
 */
export class SubscriptionService {
  readonly #options: SubscriptionServiceOptions;
  readonly #planner = new SubscriptionPlanner();
  readonly #perTenant = new Map<string, number>();
  readonly #active = new Set<{ end(error: IntelGraphError): void }>();
  readonly limits: Required<SubscriptionLimits>;
  #draining = false;
  #apiSchema: GraphQLSchema | undefined;
  #validated = new WeakMap<OperationAnalysis, IntelGraphError | null>();
  readonly metrics;

  constructor(options: SubscriptionServiceOptions) {
    this.#options = options;
    this.limits = { ...SUBSCRIPTION_DEFAULTS, ...options.limits };
    for (const [name, value] of Object.entries(this.limits))
      if (!Number.isInteger(value) || value <= 0)
        throw new IntelGraphError('CONFIG_INVALID', `subscription limit ${name} must be a positive integer`, {
          input: value,
          details: { field: name },
        });
    this.metrics = {
      active: gauge(options.registry, {
        name: 'gateway_subscriptions_active',
        help: 'Subscriptions open, by client protocol',
        labelNames: ['protocol'],
      }),
      delivered: counter(options.registry, {
        name: 'gateway_subscription_events_delivered_total',
        help: 'Subscription results written to clients, by protocol',
        labelNames: ['protocol'],
      }),
      slow: counter(options.registry, {
        name: 'gateway_subscription_slow_consumers_total',
        help: 'Subscribers dropped because their socket buffer exceeded the bound, by protocol',
        labelNames: ['protocol'],
      }),
      ended: counter(options.registry, {
        name: 'gateway_subscriptions_ended_total',
        help: 'Subscriptions ended, by protocol and reason code (complete: the client or the source)',
        labelNames: ['protocol', 'reason'],
      }),
    };
  }

  get draining(): boolean {
    return this.#draining;
  }

  setSupergraph(supergraphSdl: string, apiSchema: GraphQLSchema): void {
    this.#planner.setSupergraph(supergraphSdl, apiSchema);
    this.#apiSchema = apiSchema;
    this.#validated = new WeakMap();
  }

  /**
   * Validates the operation against the API schema, as Apollo Server validates a query (after the
   * operation plugins, before planning): subscriptions never reach Apollo Server, and the planner
   * would fail on an invalid one with an internal error. Refuses with GRAPHQL_VALIDATION_FAILED,
   * the code Apollo gives an invalid query. Judged once per analysed document and schema.
   */
  #validate(analysis: OperationAnalysis): void {
    const schema = this.#apiSchema;
    if (!schema) throw new IntelGraphError('SUPERGRAPH_NOT_LOADED', 'The gateway has no supergraph yet');
    let verdict = this.#validated.get(analysis);
    if (verdict === undefined) {
      const [first] = graphqlJs.validate(schema, analysis.document);
      verdict = first
        ? new IntelGraphError('GRAPHQL_VALIDATION_FAILED', first.message, {
            details: first.locations ? { locations: first.locations } : {},
          })
        : null;
      this.#validated.set(analysis, verdict);
    }
    if (verdict) throw verdict;
  }

  /**
   * Opens a subscription for a request the plugins have admitted (authenticated, rate-limited,
   * measured, authorized: `onRequest` and `onOperation` ran). Refuses past the tenant's limit
   * (`SUBSCRIPTION_LIMIT_EXCEEDED`) and while draining (`SHUTTING_DOWN`).
   */
  open(state: RequestState, analysis: OperationAnalysis, protocol: SubscriptionProtocol): ActiveSubscription {
    if (this.#draining)
      throw new IntelGraphError('SHUTTING_DOWN', 'This gateway instance is shutting down; subscribe again');
    const tenant = state.identity?.tenantId ?? '';
    const held = this.#perTenant.get(tenant) ?? 0;
    if (held >= this.limits.perTenant)
      throw new IntelGraphError(
        'SUBSCRIPTION_LIMIT_EXCEEDED',
        `tenant holds ${held} subscriptions on this instance (limit ${this.limits.perTenant})`,
        { details: { scope: 'tenant', limit: this.limits.perTenant } },
      );
    this.#validate(analysis);
    // What the plugins changed (authorization: the operation filtered, each event shaped).
    let document = analysis.document;
    const rewrites: Array<(result: SubscriptionResult) => SubscriptionResult> = [];
    for (const p of this.#options.plugins) {
      const rewrite = p.onSubscription?.(state, analysis);
      if (rewrite?.document) document = rewrite.document;
      if (rewrite?.result) rewrites.push(rewrite.result);
    }
    const planned = this.#planner.plan(document, state.operationName);
    const upstreamHeaders: Record<string, string> = {};
    for (const p of this.#options.plugins) p.subgraphHeaders?.(state, upstreamHeaders);
    const executed = federatedSubscription({
      planned,
      document,
      operationName: state.operationName,
      variables: state.params.variables ?? {},
      state,
      dataSources: this.#options.dataSources,
      upstreamHeaders,
      keepAliveMs: this.limits.keepAliveMs,
      log: state.log,
    });
    const results = rewrites.length > 0 ? rewritten(executed, rewrites) : executed;
    this.#perTenant.set(tenant, held + 1);
    this.metrics.active.inc({ protocol });
    let resolveEnded!: (error: IntelGraphError) => void;
    const ended = new Promise<IntelGraphError>((resolve) => {
      resolveEnded = resolve;
    });
    const expiresAt = tokenExpiry(state.req.headers.authorization);
    const timer =
      expiresAt === undefined
        ? undefined
        : setTimeout(
            () =>
              entry.end(
                new IntelGraphError(
                  'TOKEN_EXPIRED',
                  'The token expired; subscribe again with a fresh token',
                  {
                    details: { expiredAt: new Date(expiresAt).toISOString() },
                  },
                ),
              ),
            Math.max(0, expiresAt - Date.now()),
          );
    timer?.unref();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      this.#active.delete(entry);
      const left = (this.#perTenant.get(tenant) ?? 1) - 1;
      if (left <= 0) this.#perTenant.delete(tenant);
      else this.#perTenant.set(tenant, left);
      this.metrics.active.dec({ protocol });
      await results.return?.();
    };
    const entry = {
      end: (error: IntelGraphError) => {
        this.metrics.ended.inc({ protocol, reason: error.code });
        resolveEnded(error);
        void stop();
      },
    };
    this.#active.add(entry);
    return { results, ended, stop };
  }

  /** Counts a result written to a client. */
  delivered(protocol: SubscriptionProtocol): void {
    this.metrics.delivered.inc({ protocol });
  }

  /** Counts a subscriber dropped as a slow consumer. */
  droppedSlow(protocol: SubscriptionProtocol): void {
    this.metrics.slow.inc({ protocol });
    this.metrics.ended.inc({ protocol, reason: 'SUBSCRIPTION_SLOW_CONSUMER' });
  }

  /** The coded error a slow consumer is dropped with. */
  slowConsumerError(buffered: number): IntelGraphError {
    return new IntelGraphError(
      'SUBSCRIPTION_SLOW_CONSUMER',
      `${buffered} bytes waited for this subscriber (limit ${this.limits.maxBufferedBytes}); resubscribe with the last position`,
      { details: { bufferedBytes: buffered, limit: this.limits.maxBufferedBytes } },
    );
  }

  /** Drain (SIGTERM): refuses new subscriptions and ends every open one with `SHUTTING_DOWN`. */
  drain(): void {
    this.#draining = true;
    const error = new IntelGraphError(
      'SHUTTING_DOWN',
      'This gateway instance is shutting down; subscribe again (with the last position) to another',
    );
    for (const entry of [...this.#active]) entry.end(error);
  }
}

/** Each result of `results` through `rewrites`, in order; ending it ends `results`. */
function rewritten(
  results: AsyncIterableIterator<SubscriptionResult>,
  rewrites: readonly ((result: SubscriptionResult) => SubscriptionResult)[],
): AsyncIterableIterator<SubscriptionResult> {
  const iterator: AsyncIterableIterator<SubscriptionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      const next = await results.next();
      if (next.done) return next;
      return { value: rewrites.reduce((r, rewrite) => rewrite(r), next.value), done: false };
    },
    return: async () => (await results.return?.()) ?? { value: undefined, done: true },
  };
  return iterator;
}
