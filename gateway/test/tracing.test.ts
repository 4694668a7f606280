import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway } from './fixtures/test-gateway.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

describe('OpenTelemetry with a registered SDK', () => {
  it('records a server span per request, child of the caller’s traceparent, and names it as the subgraphs’ parent', async () => {
    await using gw = await startTestGateway();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    await gw.post({ query: 'query Me { me { id } }' }, { traceparent: `00-${traceId}-${callerSpan}-01` });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'gateway.http.request');
    expect(span).toBeDefined();
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe(callerSpan);
    expect(span!.attributes).toMatchObject({
      'graphql.operation.name': 'Me',
      'http.response.status_code': 200,
    });
    const sent = String(gw.subgraphs.get('accounts').lastHeaders?.traceparent);
    expect(sent).toBe(`00-${traceId}-${span!.spanContext().spanId}-01`);
  });

  it('marks a refused request’s span as an error with its code', async () => {
    await using gw = await startTestGateway({ MAX_DEPTH: '1' });
    exporter.reset();
    await gw.post({ query: '{ me { id } }' });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'gateway.http.request');
    expect(span?.status).toMatchObject({ code: 2, message: 'QUERY_TOO_DEEP' });
  });
});
