import type { GatewayPlugin, GatewayRuntime } from '../plugin.js';

/**
 * `/health`: the process is alive (always 200 while it can answer). `/ready`: 200 once a
 * supergraph is loaded and every configured dependency is reachable, else 503 listing why;
 * an orchestrator routes traffic only to ready instances.
 */
export function useHealth(): GatewayPlugin & { bind(runtime: () => GatewayRuntime): void } {
  let runtime: (() => GatewayRuntime) | undefined;
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(text);
  };
  return {
    name: 'health',
    bind(r) {
      runtime = r;
    },
    routes: {
      '/health': (_req, res) => json(res, 200, { status: 'ok' }),
      '/ready': async (_req, res) => {
        const problems = runtime ? await runtime().readiness() : ['starting'];
        json(res, problems.length === 0 ? 200 : 503, {
          status: problems.length === 0 ? 'ready' : 'not ready',
          problems,
        });
      },
    },
  };
}
