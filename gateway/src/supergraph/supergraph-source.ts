import type { SupergraphManager } from '@apollo/gateway';

export type SupergraphEvent =
  | { readonly kind: 'loaded'; readonly sdl: string }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * Where the gateway's supergraph comes from. Implementations are Apollo `SupergraphManager`s
 * that keep the last good supergraph when an update fails, and report each attempt.
 */
export interface SupergraphSource extends SupergraphManager {
  /** Listen to loads and failures (metrics, logs). */
  onEvent(listener: (event: SupergraphEvent) => void): void;
  /** Re-read now (tests, SIGHUP). Resolves once the attempt is done. */
  refresh(): Promise<void>;
}
