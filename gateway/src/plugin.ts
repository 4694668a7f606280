import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Identity } from '@intelgraph/identity';
import type { Logger } from '@intelgraph/telemetry';
import type { DocumentNode, FormattedExecutionResult, GraphQLSchema } from 'graphql';
import type { OperationAnalysis } from './limits/analyze-operation.js';

/** The GraphQL request once read from the HTTP request (body or query string). */
export interface GraphQLParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/**
 * Everything one request carries through the gateway. It is the Apollo context too, so the
 * subgraph fetch pipeline sees the identity and trace of the request it serves. Lives on the
 * request, never in module scope.
 */
export interface RequestState {
  readonly requestId: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: 'GET' | 'POST';
  readonly startedAt: number;
  log: Logger;
  params: GraphQLParams;
  /** Set by the auth plugin; undefined only before it ran. */
  identity: Identity | undefined;
  /** A stable key of the identity (tenant, user, scopes), used to scope in-flight dedup. */
  identityKey: string;
  /** W3C traceparent to send to subgraphs, when the request is traced. */
  traceparent: string | undefined;
  /** Operation name and type, known after the limits plugin parsed the document. */
  operationName: string | undefined;
  operationType: 'query' | 'mutation' | 'subscription' | undefined;
  /** The first error code of the response, for metrics and logs. */
  errorCode: string | undefined;
  /** Extra response headers set by plugins (Retry-After, RateLimit-*, …). */
  readonly responseHeaders: Map<string, string>;
}

/** One result of a subscription as the client gets it. */
export type SubscriptionEventResult = FormattedExecutionResult<
  Record<string, unknown>,
  Record<string, unknown>
>;

/** How a plugin changes a subscription it admitted (see `GatewayPlugin.onSubscription`). */
export interface SubscriptionRewrite {
  /** The document to plan and execute instead of the one the client sent. */
  readonly document?: DocumentNode;
  /** Rewrites each event's result before it is sent. */
  readonly result?: (result: SubscriptionEventResult) => SubscriptionEventResult;
}

/** One HTTP call to a subgraph, as the fetch pipeline sees it. */
export interface SubgraphRequest {
  readonly subgraph: string;
  readonly url: string;
  /** The JSON body, already serialised. */
  readonly body: string;
  readonly headers: Record<string, string>;
  /** Queries may be retried and deduplicated; mutations never. */
  readonly idempotent: boolean;
  /** The request this fetch serves; undefined for health checks. */
  readonly state: RequestState | undefined;
  /**
   * When the fetch must have settled, on the `performance.now()` clock: the request's overall
   * deadline (REQUEST_TIMEOUT_MS). Retries are not started past it. Undefined: no deadline.
   */
  readonly deadline?: number | undefined;
  /**
   * Aborted when nobody waits for this fetch any more: the request's deadline passed, or every
   * request sharing the fetch gave up. The reason is the error to report (GATEWAY_TIMEOUT).
   */
  readonly signal?: AbortSignal | undefined;
}

export interface SubgraphResponse {
  readonly status: number;
  readonly body: { data?: unknown; errors?: unknown[]; extensions?: Record<string, unknown> };
  /** The subgraph's `Cache-Control` response header, when it sent one (read by the caching plugins). */
  readonly cacheControl?: string | undefined;
}

export type SubgraphFetch = (request: SubgraphRequest) => Promise<SubgraphResponse>;

/** What a plugin can see of the running gateway when it starts. */
export interface GatewayRuntime {
  readonly log: Logger;
  /** The current API schema; undefined until the first supergraph is loaded. */
  schema(): GraphQLSchema | undefined;
  /** The current supergraph SDL; undefined until loaded. */
  supergraphSdl(): string | undefined;
  /** Problems that make the gateway not ready (empty when ready). */
  readiness(): Promise<string[]>;
}

export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/**
 * A gateway plugin: a small hook object returned by `useXxx(options)`. The gateway is the
 * composition of its plugins; each hook is optional. Hooks run in plugin order.
 */
export interface GatewayPlugin {
  readonly name: string;
  /** Extra HTTP routes (`/health`, `/metrics`, the GraphiQL page), matched on exact path and GET. */
  readonly routes?: Readonly<Record<string, HttpRoute>>;
  /**
   * Sees every HTTP request first, whatever its path and method (CORS): may set response headers,
   * and returns true when it answered the request itself (a preflight).
   */
  onHttpRequest?(req: IncomingMessage, res: ServerResponse): boolean;
  /** Called once the gateway is listening and the supergraph is loaded. */
  start?(runtime: GatewayRuntime): Promise<void> | void;
  /** Release what `start` acquired (pools, timers, connections). */
  stop?(): Promise<void> | void;
  /** Readiness: resolves to a problem description, or undefined when ready. */
  readiness?(): Promise<string | undefined> | string | undefined;
  /** Called on every GraphQL request, after the body is read and before planning. Throw to refuse. */
  onRequest?(state: RequestState): Promise<void> | void;
  /** Called once the query is known, parsed and measured (after `onRequest`). Throw to refuse. */
  onOperation?(state: RequestState, analysis: OperationAnalysis): Promise<void> | void;
  /**
   * A subscription the operation hooks admitted is about to open, on any transport: the plugin
   * says how its events must run when it changed the operation — the document to plan instead
   * (authorization's filtered operation) and a rewrite of each event's result (authorization's
   * shaping) — as Apollo's execution of a query sees the rewritten query and its response.
   */
  onSubscription?(state: RequestState, analysis: OperationAnalysis): SubscriptionRewrite | undefined;
  /** Called when a GraphQL response is about to be written (also for refused requests). */
  onResponse?(state: RequestState, status: number, errorCode: string | undefined): void;
  /** Wraps the subgraph fetch of one subgraph (deadline, dedup, retries, breaker, metrics). */
  wrapSubgraphFetch?(next: SubgraphFetch, subgraph: string): SubgraphFetch;
  /** Headers added to every subgraph request (identity, trace). */
  subgraphHeaders?(state: RequestState | undefined, headers: Record<string, string>): void;
  /** Apollo Server plugins this plugin needs (operation-level hooks). */
  readonly apolloPlugins?: readonly ApolloServerPlugin<RequestState>[];
  /** Called when a new API schema is in force. */
  onSchemaChange?(schema: GraphQLSchema, supergraphSdl: string): void;
}
