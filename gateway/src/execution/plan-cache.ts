import type { Operation } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import type { ResponseShaper } from './response-shaper.js';

/** A planned operation: the plan, the operation it was planned from, and its compiled shaper. */
export interface PlannedOperation {
  readonly plan: QueryPlan;
  readonly operation: Operation;
  readonly shaper: ResponseShaper;
}

/**
 * Planned operations by query hash and operation name, least recently used evicted past
 * `maxEntries`. One per supergraph: a new supergraph starts an empty cache.
 */
export class PlanCache {
  readonly #entries = new Map<string, PlannedOperation>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): PlannedOperation | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: PlannedOperation): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
