import { loadConfig } from '@intelgraph/config';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, tracesEndpoint, tracingVariables } from '../src/index.js';

const spec = tracingVariables();

/** Keeps what it was given past shutdown (InMemorySpanExporter forgets its spans on shutdown). */
class CollectingExporter extends InMemorySpanExporter {
  readonly spans: ReadableSpan[] = [];
  override export(spans: ReadableSpan[], done: Parameters<InMemorySpanExporter['export']>[1]): void {
    this.spans.push(...spans);
    super.export(spans, done);
  }
  override getFinishedSpans(): ReadableSpan[] {
    return this.spans;
  }
}
let running: Tracing | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

describe('startTracing', () => {
  it('registers nothing when no OTLP endpoint is set: spans stay the no-op', async () => {
    const exporter = new CollectingExporter();
    running = startTracing({ serviceName: 'svc', config: loadConfig(spec, {}), exporter });
    expect(running.enabled).toBe(false);
    const span = trace.getTracer('t').startSpan('x');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    expect(carrier).toEqual({});
    await running.shutdown();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('registers nothing with OTEL_TRACES_EXPORTER=none', () => {
    const config = loadConfig(spec, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_EXPORTER: 'none',
    });
    expect(tracesEndpoint(config)).toBeUndefined();
    running = startTracing({ serviceName: 'svc', config, exporter: new CollectingExporter() });
    expect(running.enabled).toBe(false);
  });

  it('exports with service.name (OTEL_SERVICE_NAME wins), W3C propagation and async-local context', async () => {
    const exporter = new CollectingExporter();
    const config = loadConfig(spec, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' });
    expect(tracesEndpoint(config)).toBe('http://127.0.0.1:4318/v1/traces');
    running = startTracing({ serviceName: 'svc', config, exporter });
    expect(running.enabled).toBe(true);
    const tracer = trace.getTracer('t');
    const parent = propagation.extract(context.active(), {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await context.with(trace.setSpan(parent, tracer.startSpan('outer', {}, parent)), async () => {
      await new Promise((r) => setTimeout(r, 1));
      const inner = tracer.startSpan('inner');
      inner.end();
      trace.getActiveSpan()?.end();
    });
    await running.shutdown();
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === 'outer')!;
    const inner = spans.find((s) => s.name === 'inner')!;
    expect(outer.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(outer.parentSpanId).toBe('b7ad6b7169203331');
    expect(inner.parentSpanId).toBe(outer.spanContext().spanId);
    expect(inner.resource.attributes['service.name']).toBe('svc');

    const named = new CollectingExporter();
    running = startTracing({
      serviceName: 'svc',
      config: loadConfig(spec, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/t',
        OTEL_SERVICE_NAME: 'renamed',
      }),
      exporter: named,
    });
    expect(running.endpoint).toBe('http://c/t');
    trace.getTracer('t').startSpan('y').end();
    await running.shutdown();
    expect(named.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('renamed');
  });

  it('samples from OTEL_TRACES_SAMPLER, parent-based', async () => {
    const exporter = new CollectingExporter();
    running = startTracing({
      serviceName: 'svc',
      config: loadConfig(spec, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      }),
      exporter,
    });
    const tracer = trace.getTracer('t');
    tracer.startSpan('root, not sampled').end();
    const sampledParent = propagation.extract(context.active(), {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    tracer.startSpan('child of a sampled parent', {}, sampledParent).end();
    await running.shutdown();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['child of a sampled parent']);
  });

  it('rejects a bad sampler ratio at config load', () => {
    expect(() => loadConfig(spec, { OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
