/**
 * The per-request result tree the plan's fetches are merged into. Subgraph answers may be shared
 * (in-flight dedup hands one body to every request waiting on it; the entity cache hands out what
 * it stored), so they are never written to: the tree holds references to them and copies an
 * object or list the first time a later fetch writes into it (copy on write). `owned` is what this
 * request created or copied, and so may write.
 */
export class ResultTree {
  readonly root: Record<string, unknown> = Object.create(null);
  readonly #owned = new WeakSet<object>([this.root]);

  /** The value of `parent[key]`, copied into this request first when it is a shared object or list. */
  own(parent: Record<string, unknown> | unknown[], key: string | number): unknown {
    const value = (parent as Record<string, unknown>)[key as string];
    if (typeof value !== 'object' || value === null || this.#owned.has(value)) return value;
    const copy = Array.isArray(value) ? value.slice() : { ...(value as Record<string, unknown>) };
    this.#owned.add(copy);
    (parent as Record<string, unknown>)[key as string] = copy;
    return copy;
  }

  /** Marks a value this request built itself (a rewritten copy of an answer) as writable. */
  adopt<T extends object>(value: T): T {
    this.#owned.add(value);
    return value;
  }

  /**
   * Apollo Gateway's `deepMerge(target, source)`, same outcome, with `target` owned and `source`
   * left untouched: what `source` brings is referenced, and copied only once something is merged
   * into it.
   */
  merge(target: Record<string, unknown>, source: unknown): void {
    if (source === undefined || source === null) return;
    const from = source as Record<string, unknown>;
    for (const key of Object.keys(from)) {
      const value = from[key];
      if (value === undefined) continue;
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      if (current && isObject(value)) {
        this.merge(this.own(target, key) as Record<string, unknown>, value);
      } else if (Array.isArray(value) && Array.isArray(current) && value.length === current.length) {
        const list = this.own(target, key) as unknown[];
        for (let i = 0; i < value.length; i++) {
          if (isObject(list[i]) && isObject(value[i]))
            this.merge(this.own(list, i) as Record<string, unknown>, value[i]);
          else list[i] = value[i];
        }
      } else {
        defineOwn(target, key);
        target[key] = value;
      }
    }
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property even where a prototype has one of that name (`__proto__` from JSON). */
export function defineOwn(target: Record<string, unknown>, key: string): void {
  if (!Object.hasOwn(target, key))
    Object.defineProperty(target, key, {
      value: undefined,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

export function getOwn(target: unknown, key: string): unknown {
  return target !== null && typeof target === 'object' && Object.hasOwn(target, key)
    ? (target as Record<string, unknown>)[key]
    : undefined;
}
