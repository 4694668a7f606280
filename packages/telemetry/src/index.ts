export {
  createLogger,
  DEFAULT_REDACT_PATHS,
  type Logger,
  type LoggerOptions,
  requestLogger,
} from './create-logger.js';
export {
  type Counter,
  counter,
  createMetricsRegistry,
  type Gauge,
  gauge,
  type Histogram,
  histogram,
  type MetricsRegistryOptions,
  type Registry,
} from './metrics-registry.js';
export { resolveRequestId } from './request-id.js';
export {
  type StartTracingOptions,
  startTracing,
  type Tracing,
  type TracingConfig,
  tracesEndpoint,
  tracingVariables,
} from './tracing.js';
