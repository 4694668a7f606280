import type { GatewayPlugin } from '../plugin.js';

/** 5xx answers that are part of normal operation (a rollout's drain), not failures to alert on. */
const EXPECTED_5XX: ReadonlySet<string> = new Set(['SHUTTING_DOWN']);

/**
 * One JSON log line per request with its request id, operation, status, code and duration:
 * at `error` for 5xx (`warn` for a drain's SHUTTING_DOWN), `info` for refusals and errors, at
 * `debug` otherwise (a busy gateway should not write a line per successful request unless asked to).
 */
export function useRequestLog(): GatewayPlugin {
  return {
    name: 'request-log',
    onResponse(state, status, code) {
      const level =
        status >= 500
          ? code !== undefined && EXPECTED_5XX.has(code)
            ? 'warn'
            : 'error'
          : code !== undefined
            ? 'info'
            : 'debug';
      if (!state.log.isLevelEnabled(level)) return;
      state.log[level](
        {
          requestId: state.requestId,
          operation: state.operationName,
          tenant: state.identity?.tenantId,
          status,
          code,
          durationMs: Math.round((performance.now() - state.startedAt) * 100) / 100,
        },
        'graphql request',
      );
    },
  };
}
