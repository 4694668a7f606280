import type { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';
import type { QueryDistributor, QueryEvent } from '@intelgraph/database-sharding';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';

const TRACER = '@intelgraph/subgraph-runtime';

const headerGetter: TextMapGetter<HeaderMap> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key),
};

function operationNameOf(body: unknown): string | undefined {
  const name = (body as { operationName?: unknown } | null | undefined)?.operationName;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/**
 * Runs every GraphQL request of `apollo` in a server span `graphql.request`, child of the
 * caller's W3C `traceparent` (the gateway's), and active while Apollo executes, so the statements
 * the resolvers run become its children. Returns a stand-in for `apollo` that only replaces
 * `executeHTTPGraphQLRequest`.
 *
 * Without a registered SDK the API is the no-op: extract returns the context unchanged, the span
 * is a non-recording singleton-like object and `context.with` just calls through.
 */
export function traceGraphQLRequests<C extends BaseContext>(
  apollo: ApolloServer<C>,
  service: string,
): ApolloServer<C> {
  const tracer = trace.getTracer(TRACER);
  const execute = apollo.executeHTTPGraphQLRequest.bind(apollo);
  const traced: ApolloServer<C>['executeHTTPGraphQLRequest'] = (request) => {
    const { httpGraphQLRequest } = request;
    const parent = propagation.extract(context.active(), httpGraphQLRequest.headers, headerGetter);
    const operationName = operationNameOf(httpGraphQLRequest.body);
    const span = tracer.startSpan(
      'graphql.request',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': httpGraphQLRequest.method,
          'intelgraph.subgraph': service,
          ...(operationName ? { 'graphql.operation.name': operationName } : {}),
        },
      },
      parent,
    );
    return context.with(trace.setSpan(parent, span), async () => {
      try {
        const response = await execute(request);
        const status = response.status ?? 200;
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  };
  return new Proxy(apollo, {
    get(target, property, receiver) {
      if (property === 'executeHTTPGraphQLRequest') return traced;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `SELECT`, `INSERT`, `BEGIN`…: the statement's first keyword (never a value). */
function operationOf(sql: string): string | undefined {
  return /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
}

/**
 * A client span per SQL statement the distributor runs inside a traced request (statements with
 * no recording span around them, such as migrations or tracing switched off, cost one check):
 * db.system=postgresql, the shard, the node and whether it was the primary or a replica, the
 * statement text with its placeholders — never the parameters. The distributor reports a
 * statement when it has finished, in the caller's async context, so the span is back-dated by
 * its duration. Returns the unsubscribe function.
 */
export function traceStatements(distributor: QueryDistributor): () => void {
  const tracer = trace.getTracer(TRACER);
  return distributor.onQuery((event: QueryEvent) => {
    const active = context.active();
    if (!trace.getSpan(active)?.isRecording()) return;
    const end = performance.timeOrigin + performance.now();
    const operation = operationOf(event.sql);
    const span = tracer.startSpan(
      operation ? `${operation} ${event.shardId}` : `query ${event.shardId}`,
      {
        kind: SpanKind.CLIENT,
        startTime: end - event.durationMs,
        attributes: {
          'db.system': 'postgresql',
          'db.system.name': 'postgresql',
          'db.query.text': event.sql,
          ...(operation ? { 'db.operation.name': operation } : {}),
          'db.shard.id': event.shardId,
          'db.shard.node': event.node,
          'db.shard.target': event.target,
          'db.shard.call': event.operation,
          'db.query.parameter_count': event.paramCount,
          ...(event.rowCount !== null ? { 'db.response.returned_rows': event.rowCount } : {}),
        },
      },
      active,
    );
    if (event.error) {
      span.recordException(event.error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
    }
    span.end(end);
  });
}
