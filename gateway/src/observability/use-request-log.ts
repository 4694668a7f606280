import type { GatewayPlugin } from '../plugin.js';

/**
 * One JSON log line per request with its request id, operation, status, code and duration:
 * at `info` for refusals and errors, at `debug` otherwise (a busy gateway should not write a
 * line per successful request unless asked to).
 */
export function useRequestLog(): GatewayPlugin {
  return {
    name: 'request-log',
    onResponse(state, status, code) {
      const level = status >= 500 ? 'error' : code !== undefined ? 'info' : 'debug';
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
