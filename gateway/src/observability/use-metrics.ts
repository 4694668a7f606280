import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';
import type { GatewayMetrics } from './gateway-metrics.js';

const PRE_PLANNING = new Set([
  'BAD_REQUEST_BODY',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
  'BODY_TOO_LARGE',
  'BATCH_NOT_SUPPORTED',
  'QUERY_PARSE_FAILED',
  'QUERY_TOO_MANY_TOKENS',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_MANY_ALIASES',
  'QUERY_TOO_MANY_ROOT_FIELDS',
  'QUERY_TOO_MANY_DIRECTIVES',
  'QUERY_TOO_COSTLY',
  'FRAGMENT_CYCLE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_ALLOWED',
  'UNAUTHENTICATED',
  'INVALID_TOKEN',
  'FORBIDDEN',
  'RATE_LIMITED',
]);

/** `/metrics` (Prometheus text) and the request and subgraph-fetch metrics. */
export function useMetrics(metrics: GatewayMetrics): GatewayPlugin {
  return {
    name: 'metrics',
    routes: {
      '/metrics': async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    },
    onResponse(state, status, code) {
      const operation = metrics.operationLabel(state.operationName);
      metrics.requests.inc({ operation, status: String(status), code: code ?? '' });
      metrics.requestDuration.observe({ operation }, (performance.now() - state.startedAt) / 1000);
      if (code !== undefined && PRE_PLANNING.has(code)) metrics.rejections.inc({ code });
    },
    wrapSubgraphFetch(next, subgraph) {
      const ok = metrics.subgraphFetches.labels({ subgraph, outcome: 'ok' });
      const duration = metrics.subgraphDuration.labels({ subgraph });
      return async (request) => {
        const started = performance.now();
        try {
          const response = await next(request);
          ok.inc();
          return response;
        } catch (error) {
          metrics.subgraphFetches.inc({
            subgraph,
            outcome: IntelGraphError.is(error) ? error.code : 'error',
          });
          throw error;
        } finally {
          duration.observe((performance.now() - started) / 1000);
        }
      };
    },
  };
}
