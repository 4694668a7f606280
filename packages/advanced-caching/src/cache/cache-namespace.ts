import { assertTag } from '../keys/validate.js';
import type { Loader } from './load-coordinator.js';
import type { CacheItem, CacheSetOptions, MultiTierCache } from './multi-tier-cache.js';

/**
 * A named slice of a cache (`apq`, `responses`, `entities`): keys are prefixed with `name:` and
 * every entry carries the tag `@ns:name`, so `clear()` is one version bump, O(1) whatever the
 * number of keys, effective on every tier and instance.
 */
export class CacheNamespace {
  readonly name: string;
  readonly #cache: MultiTierCache;
  readonly #prefix: string;
  readonly #tag: string;

  constructor(cache: MultiTierCache, name: string) {
    this.#tag = `@ns:${name}`;
    assertTag(this.#tag);
    this.name = name;
    this.#cache = cache;
    this.#prefix = `${name}:`;
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.#cache.get<T>(this.#prefix + key);
  }

  set<T>(key: string, value: T, options: CacheSetOptions = {}): Promise<void> {
    return this.#cache.set(this.#prefix + key, value, this.#tagged(options));
  }

  getOrSet<T>(key: string, loader: Loader<T>, options: CacheSetOptions = {}): Promise<T> {
    return this.#cache.getOrSet(this.#prefix + key, loader, this.#tagged(options));
  }

  mget<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return this.#cache.mget<T>(keys.map((key) => this.#prefix + key));
  }

  mset(items: readonly CacheItem[]): Promise<void> {
    return this.#cache.mset(
      items.map((item) => ({ ...this.#tagged(item), key: this.#prefix + item.key, value: item.value })),
    );
  }

  delete(keys: string | readonly string[]): Promise<void> {
    const list: readonly string[] = Array.isArray(keys) ? keys : [keys as string];
    return this.#cache.delete(list.map((key) => this.#prefix + key));
  }

  invalidateByTag(tags: string | readonly string[]): Promise<void> {
    return this.#cache.invalidateByTag(tags);
  }

  /** Drops every entry of this namespace everywhere (a version bump of its tag). */
  clear(): Promise<void> {
    return this.#cache.invalidateByTag(this.#tag);
  }

  #tagged<O extends CacheSetOptions>(options: O): O {
    return { ...options, tags: options.tags ? [...options.tags, this.#tag] : [this.#tag] };
  }
}
