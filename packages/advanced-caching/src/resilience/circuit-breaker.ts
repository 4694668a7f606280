export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerConfig {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly now?: () => number;
}

/**
 * Consecutive-failure breaker. While open, `allow()` answers false without touching the network,
 * so a dead Redis costs callers nothing; after `resetTimeoutMs` one probe is let through
 * (half-open) and its outcome closes or re-opens the breaker.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  readonly #config: CircuitBreakerConfig;
  readonly #now: () => number;

  constructor(config: CircuitBreakerConfig) {
    this.#config = config;
    this.#now = config.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#config.resetTimeoutMs) {
      return 'half-open';
    }
    return this.#state;
  }

  /** May a call go to the protected resource now? In half-open, only one probe at a time. */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.state !== 'half-open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#state = 'closed';
  }

  failure(): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === 'open' || this.#failures >= this.#config.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }
}
