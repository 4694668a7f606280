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
      // Flush the logger before exiting: lines written during the stop must not be lost.
      const exit = (code: number) => running.services.logger.flush(() => process.exit(code));
      running.stop().then(
        () => exit(0),
        (error: unknown) => {
          running.services.logger.error({ err: error }, 'stop failed');
          exit(1);
        },
      );
    });
  }
}
