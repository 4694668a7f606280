/**
 * Names of everything the cache keeps in Redis under one prefix. Data and lock keys wrap the
 * cache key in a hash tag (`{...}`) so a key and its lock always live in the same Cluster slot,
 * which the fenced-write script needs; different keys still spread over all slots.
 */
export class RedisKeys {
  readonly #prefix: string;
  readonly bus: string;
  readonly wake: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
    this.bus = `${prefix}:bus`;
    this.wake = `${prefix}:wake`;
  }

  data(key: string): string {
    return `${this.#prefix}:{${key}}`;
  }

  lock(key: string): string {
    return `${this.#prefix}:lock:{${key}}`;
  }

  tag(tag: string): string {
    return `${this.#prefix}:tag:${tag}`;
  }

  dependents(key: string): string {
    return `${this.#prefix}:dep:${key}`;
  }

  /** A SCAN pattern matching every data key of this prefix. */
  dataPattern(): string {
    return `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}:{*`;
  }
}
