import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import { IntelGraphError } from '@intelgraph/errors';
import type { Logger } from '@intelgraph/telemetry';
import type { DocumentNode, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { RequestState } from '../plugin.js';
import type { PlannedSubscription } from './subscription-planner.js';

/** One result a subscriber gets: a GraphQL result (its event's position in `extensions.position`). */
export type SubscriptionResult = FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>;

export interface FederatedSubscriptionOptions {
  readonly planned: PlannedSubscription;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  /** The subscriber's request state: identity and trace for every fetch of every event. */
  readonly state: RequestState;
  /** The fetch pipeline's data sources (dedup, entity cache, breaker, identity), by subgraph. */
  readonly dataSources: ReadonlyMap<string, GraphQLDataSource<RequestState>>;
  /** Headers for the upstream `connection_init` (the signed identity). */
  readonly upstreamHeaders: Record<string, string>;
  /**
   * The upstream connection is pinged this often, and dropped when a pong does not come back
   * within as long: a subgraph instance that froze, or a network partition (no FIN ever arrives),
   * ends the subscription with SUBSCRIPTION_UPSTREAM_CLOSED instead of leaving it silent forever.
   */
  readonly keepAliveMs: number;
  readonly log: Logger;
}

/** The name the primary fetch runs under in each event's plan (never a subgraph's name). */
const PRIMARY = '\u0000subscription-primary';

/**
 * A federated subscription: subscribes at the subgraph owning the root field over `graphql-ws`
 * (the signed identity in `connection_init`, as with its HTTP requests), and for every event runs
 * the rest of Apollo's plan through the ordinary fetch pipeline with Apollo's `executeQueryPlan`.
 *
 * Each event gets its own plan execution — a fresh result object, nothing shared between events
 * or subscribers: the plan is `Sequence[primary, rest]` where the primary fetch is answered by the
 * event itself (a data source standing in for the subgraph under a name no subgraph has), so the
 * executor merges the event and then fetches what the other subgraphs own, exactly as for a query.
 *
 * The upstream connection does not retry: if the subgraph goes away the subscription ends with
 * `SUBSCRIPTION_UPSTREAM_CLOSED` and the client resubscribes (with its last position).
 */
export function federatedSubscription(
  options: FederatedSubscriptionOptions,
): AsyncIterableIterator<SubscriptionResult> {
  const { planned, state } = options;
  let socket: WebSocket | undefined;
  let pongDue: NodeJS.Timeout | undefined;
  const client: Client = createClient({
    url: planned.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { headers: options.upstreamHeaders },
    keepAlive: options.keepAliveMs,
    on: {
      connected: (s) => {
        socket = s as WebSocket;
      },
      ping: (received) => {
        if (received || pongDue) return;
        // terminate(), not close(): a close handshake with a silent peer waits 30 s for its reply.
        pongDue = setTimeout(() => socket?.terminate(), options.keepAliveMs);
        pongDue.unref();
      },
      pong: (received) => {
        if (!received) return;
        clearTimeout(pongDue);
        pongDue = undefined;
      },
      closed: () => {
        clearTimeout(pongDue);
        pongDue = undefined;
      },
    },
  });
  const variables: Record<string, unknown> = {};
  for (const name of planned.primary.variableUsages ?? [])
    if (Object.hasOwn(options.variables, name)) variables[name] = options.variables[name];
  const upstream = client.iterate<Record<string, unknown>, Record<string, unknown>>({
    query: planned.primary.operation,
    variables,
    ...(planned.primary.operationName ? { operationName: planned.primary.operationName } : {}),
  });
  const primary = { ...planned.primary, serviceName: PRIMARY };
  const node: PlanNode = planned.rest ? { kind: 'Sequence', nodes: [primary, planned.rest] } : primary;
  const plan: QueryPlan = { kind: 'QueryPlan', node };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await upstream.return?.().catch(() => undefined);
    await client.dispose();
  };

  const runEvent = async (event: SubscriptionResult): Promise<SubscriptionResult> => {
    const eventSource = {
      process: async () => ({
        ...(event.data !== undefined ? { data: event.data } : {}),
        ...(event.errors ? { errors: event.errors } : {}),
      }),
    } as unknown as GraphQLDataSource;
    const serviceMap: ServiceMap = { ...Object.fromEntries(options.dataSources), [PRIMARY]: eventSource };
    const requestContext = {
      request: { query: undefined, variables: options.variables, operationName: options.operationName },
      context: state,
      logger: options.log,
      metrics: {},
      document: options.document,
      operation: planned.operationContext.operation,
      operationName: options.operationName ?? null,
      cache: undefined,
      overallCachePolicy: undefined,
    };
    const result = await executeQueryPlan(
      plan,
      serviceMap,
      requestContext as unknown as Parameters<typeof executeQueryPlan>[2],
      planned.operationContext,
      planned.supergraphSchema,
      planned.apiSchema,
    );
    const position = event.extensions?.position;
    return {
      ...(result.data !== undefined ? { data: result.data as Record<string, unknown> | null } : {}),
      ...(result.errors?.length ? { errors: result.errors.map(formatted) } : {}),
      ...(position !== undefined ? { extensions: { position } } : {}),
    };
  };

  const iterator: AsyncIterableIterator<SubscriptionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      if (closed) return { value: undefined, done: true };
      let next: IteratorResult<SubscriptionResult>;
      try {
        next = await upstream.next();
      } catch (error) {
        await close();
        throw upstreamError(error, planned.primary.serviceName);
      }
      if (next.done) {
        await close();
        return { value: undefined, done: true };
      }
      return { value: await runEvent(next.value), done: false };
    },
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

/** What ended the upstream subscription, as a coded error for the client. */
function upstreamError(error: unknown, subgraph: string): IntelGraphError {
  if (Array.isArray(error)) {
    // graphql-ws hands the subgraph's `error` message payload (GraphQL errors).
    const first = error[0] as { message?: string; extensions?: { code?: string } } | undefined;
    if (first?.extensions?.code === 'SUBSCRIPTION_SLOW_CONSUMER')
      return new IntelGraphError('SUBSCRIPTION_SLOW_CONSUMER', first.message ?? 'slow consumer', {
        details: { subgraph },
      });
    return new IntelGraphError(
      'SUBSCRIPTION_UPSTREAM_CLOSED',
      first?.message ?? 'the subgraph refused the subscription',
      {
        details: { subgraph, upstreamCode: first?.extensions?.code },
      },
    );
  }
  const close = error as { code?: number; reason?: string };
  return new IntelGraphError(
    'SUBSCRIPTION_UPSTREAM_CLOSED',
    `the subscription at subgraph "${subgraph}" ended (${close.code ?? 'error'}${close.reason ? `: ${close.reason}` : ''}); resubscribe with the last position`,
    { details: { subgraph, closeCode: close.code }, cause: error },
  );
}

/** A GraphQL error as sent to the client (Apollo's errors are graphql-js errors; be lenient). */
function formatted(error: { message: string; toJSON?: () => unknown }): GraphQLFormattedError {
  return typeof error.toJSON === 'function'
    ? (error.toJSON() as GraphQLFormattedError)
    : { ...error, message: error.message };
}
