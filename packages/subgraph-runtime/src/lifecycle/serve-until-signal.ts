import type { RunningSubgraph } from '../start-subgraph.js';

/**
 * For an entry point: on SIGTERM or SIGINT, stop gracefully (drain, then close everything) and
 * exit 0; a second signal exits at once with 130.
 */
export function stopOnSignals(
  running: RunningSubgraph,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      running.services.logger.info({ signal }, 'stopping');
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          running.services.logger.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
    });
  }
}
