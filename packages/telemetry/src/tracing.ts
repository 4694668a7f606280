import { type ConfigOf, variables as v } from '@intelgraph/config';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';

const SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;

/**
 * The standard OpenTelemetry variables this platform honours for trace export, declared once;
 * every service spreads `tracingVariables()` into its config spec so they are validated at start
 * and listed in its README table. Unset endpoint: no tracer provider is registered at all.
 */
export function tracingVariables() {
  return {
    otelEndpoint: v.url({
      env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      description:
        'OTLP/HTTP collector base URL; traces go to `<url>/v1/traces`. Unset (and no OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): no trace export',
    }),
    otelTracesEndpoint: v.url({
      env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      description: 'Full OTLP/HTTP traces URL (used as is); wins over OTEL_EXPORTER_OTLP_ENDPOINT',
    }),
    otelHeaders: v.string(
      {
        env: 'OTEL_EXPORTER_OTLP_HEADERS',
        description: 'Headers sent to the collector (e.g. an API key)',
        secret: true,
      },
      'a comma-separated list of key=value',
    ),
    otelTracesExporter: v.oneOf(
      { env: 'OTEL_TRACES_EXPORTER', description: '`none` switches trace export off', default: 'otlp' },
      ['otlp', 'none'] as const,
    ),
    otelServiceName: v.string({
      env: 'OTEL_SERVICE_NAME',
      description: '`service.name` of the exported spans; default: the service name',
    }),
    otelTracesSampler: v.oneOf(
      { env: 'OTEL_TRACES_SAMPLER', description: 'Trace sampler', default: 'parentbased_always_on' },
      SAMPLERS,
    ),
    otelTracesSamplerArg: v.json(
      {
        env: 'OTEL_TRACES_SAMPLER_ARG',
        description: 'Ratio of the *traceidratio samplers',
        default: '1',
      },
      z.number().min(0).max(1),
      'a number from 0 to 1',
    ),
  };
}

/** The tracing settings (the fields of `tracingVariables`, as loaded). */
export type TracingConfig = ConfigOf<ReturnType<typeof tracingVariables>>;

export interface Tracing {
  /** A tracer provider was registered by this call (export is on). */
  readonly enabled: boolean;
  /** Where spans go, when enabled. */
  readonly endpoint: string | undefined;
  /** Flushes buffered spans and unregisters the provider. Idempotent. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME is set. */
  readonly serviceName: string;
  /** The tracing fields of the service's config; missing fields count as unset. */
  readonly config: Partial<TracingConfig>;
  /** Tests: export here instead of OTLP/HTTP (still only when an endpoint is configured). */
  readonly exporter?: SpanExporter;
}

const DISABLED: Tracing = { enabled: false, endpoint: undefined, shutdown: () => Promise.resolve() };

/** The traces URL the settings name, or undefined when trace export is off. */
export function tracesEndpoint(config: Partial<TracingConfig>): string | undefined {
  if (config.otelTracesExporter === 'none') return undefined;
  if (config.otelTracesEndpoint) return config.otelTracesEndpoint;
  if (config.otelEndpoint) return `${config.otelEndpoint.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

function samplerFor(config: Partial<TracingConfig>): Sampler {
  const ratio = config.otelTracesSamplerArg ?? 1;
  switch (config.otelTracesSampler ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** `k=v,k2=v2` (values URL-encoded, as the OTel spec has it). */
function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

/**
 * Registers the process-wide tracer provider (batching OTLP/HTTP JSON export, parent-based
 * sampling, W3C trace-context and baggage propagation, async-local context) when an OTLP endpoint
 * is configured; otherwise registers nothing, so every span the code starts is the API's no-op.
 *
 * The OpenTelemetry globals hold one provider per process: when one is already registered (an
 * operator's preloaded SDK, or another service started in the same process), this one steps
 * aside and returns a disabled handle — the spans then go wherever the first provider sends them.
 */
export function startTracing(options: StartTracingOptions): Tracing {
  const endpoint = tracesEndpoint(options.config);
  if (endpoint === undefined) return DISABLED;
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({ url: endpoint, headers: parseHeaders(options.config.otelHeaders) });
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': options.config.otelServiceName ?? options.serviceName }),
    sampler: samplerFor(options.config),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    void provider.shutdown().catch(() => {});
    return DISABLED;
  }
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    endpoint,
    shutdown() {
      stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
        }
      })();
      return stopping;
    },
  };
}
