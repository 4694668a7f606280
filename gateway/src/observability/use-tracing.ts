import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { GatewayPlugin, RequestState } from '../plugin.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(
  header: string | undefined,
): { traceId: string; spanId: string; flags: number } | undefined {
  const m = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, flags: Number.parseInt(m[3]!, 16) };
}

/**
 * OpenTelemetry: a server span per request, child of the caller's W3C `traceparent`, and a
 * `traceparent` on every subgraph fetch naming that span as parent. Works with whatever tracer
 * provider the process registered; with none (the API's no-op), the caller's trace context is
 * still passed through so subgraph logs join the caller's trace.
 */
export function useTracing(options: { tracer?: Tracer } = {}): GatewayPlugin {
  const tracer = options.tracer ?? trace.getTracer('@intelgraph/gateway');
  const spans = new WeakMap<RequestState, Span>();
  return {
    name: 'tracing',
    onRequest(state) {
      const header = state.req.headers.traceparent;
      const parent = parseTraceparent(Array.isArray(header) ? header[0] : header);
      const ctx = parent
        ? trace.setSpanContext(context.active(), {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.flags,
            isRemote: true,
          })
        : context.active();
      const span = tracer.startSpan(
        'gateway.http.request',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': state.method } },
        ctx,
      );
      spans.set(state, span);
      const sc = span.spanContext();
      if (trace.isSpanContextValid(sc)) {
        state.traceparent = `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}`;
      }
    },
    subgraphHeaders(state, headers) {
      if (state?.traceparent) headers.traceparent = state.traceparent;
    },
    onResponse(state, status, code) {
      const span = spans.get(state);
      if (!span) return;
      if (state.operationName) span.setAttribute('graphql.operation.name', state.operationName);
      span.setAttribute('http.response.status_code', status);
      if (code) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
    },
  };
}
