import { loadConfigOrExit, startOrExit } from '@intelgraph/config';
import { createLogger, startTracing } from '@intelgraph/telemetry';
import { buildGateway } from './build-gateway.js';
import { configSpec } from './config.js';

/**
 * Entry point: load the config (exit 78 on a bad setting), start, and on SIGTERM/SIGINT stop
 * accepting, drain in-flight requests within DRAIN_TIMEOUT_MS, close pools, flush the spans not yet
 * exported, and exit 0. Trace export is on when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set.
 */
export async function main(env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const config = loadConfigOrExit('gateway', configSpec, env);
  const log = createLogger({ service: 'gateway', level: config.logLevel });
  const tracing = startTracing({ serviceName: 'gateway', config });
  if (tracing.enabled) log.info({ endpoint: tracing.endpoint }, 'exporting traces');
  const gateway = await startOrExit('gateway', () => buildGateway(config, { log }));
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    gateway
      .stop()
      .finally(() =>
        tracing.shutdown().catch((error: unknown) => log.warn({ err: error }, 'trace flush failed')),
      )
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await gateway.start(config.port, config.host);
  } catch (error) {
    log.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
