import { IntelGraphError } from '@intelgraph/errors';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (default 5). */
  readonly failureThreshold?: number;
  /** How long the breaker stays open before one trial call (default 5000 ms). */
  readonly resetTimeoutMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
  /**
   * Whether an error is the subgraph's failure. Others (a call abandoned by its callers) count
   * neither as a failure nor as a success. Default: every error is a failure.
   */
  readonly isFailure?: (error: unknown) => boolean;
}

export type BreakerState =
  | { readonly phase: 'closed'; readonly failures: number }
  | { readonly phase: 'open'; readonly until: number }
  | { readonly phase: 'half-open' };

/**
 * One subgraph's breaker, counting upstream calls (it sits inside dedup: a call shared by many
 * requests is one event). Closed: calls pass, consecutive failures are counted. Open: calls fail
 * at once with SUBGRAPH_UNAVAILABLE until `resetTimeoutMs` has passed. Half-open: one trial call
 * passes (others still fail fast); its success closes the breaker, its failure reopens it.
 */
export class CircuitBreaker {
  readonly name: string;
  #state: BreakerState = { phase: 'closed', failures: 0 };
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #now: () => number;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onChange: ((state: BreakerState['phase']) => void) | undefined;

  constructor(
    name: string,
    options: CircuitBreakerOptions = {},
    onChange?: (phase: BreakerState['phase']) => void,
  ) {
    this.name = name;
    this.#threshold = options.failureThreshold ?? 5;
    this.#resetMs = options.resetTimeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#isFailure = options.isFailure ?? (() => true);
    this.#onChange = onChange;
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        'CircuitBreaker failureThreshold must be a positive integer',
        {
          input: this.#threshold,
          details: { field: 'failureThreshold' },
        },
      );
    }
  }

  get state(): BreakerState {
    return this.#state;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const s = this.#state;
    if (s.phase === 'open') {
      if (this.#now() < s.until) throw this.#unavailable();
      this.#set({ phase: 'half-open' });
    } else if (s.phase === 'half-open') {
      throw this.#unavailable();
    }
    try {
      const result = await call();
      if (this.#state.phase !== 'closed' || this.#state.failures !== 0)
        this.#set({ phase: 'closed', failures: 0 });
      return result;
    } catch (error) {
      if (this.#isFailure(error)) this.#recordFailure();
      // An abandoned trial proved nothing: the next call may try again.
      else if (this.#state.phase === 'half-open') this.#set({ phase: 'open', until: this.#now() });
      throw error;
    }
  }

  #recordFailure(): void {
    const s = this.#state;
    if (s.phase === 'half-open') {
      this.#set({ phase: 'open', until: this.#now() + this.#resetMs });
    } else if (s.phase === 'closed') {
      const failures = s.failures + 1;
      this.#set(
        failures >= this.#threshold
          ? { phase: 'open', until: this.#now() + this.#resetMs }
          : { phase: 'closed', failures },
      );
    }
  }

  #set(state: BreakerState): void {
    const changed = state.phase !== this.#state.phase;
    this.#state = state;
    if (changed) this.#onChange?.(state.phase);
  }

  #unavailable(): IntelGraphError {
    return new IntelGraphError(
      'SUBGRAPH_UNAVAILABLE',
      `Subgraph "${this.name}" is unavailable (circuit open)`,
      {
        details: { serviceName: this.name },
      },
    );
  }
}
