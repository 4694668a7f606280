import type { CacheEntry } from '../entry/cache-entry.js';
import type { LockHandle } from '../stampede/distributed-lock.js';
import type { CacheTiers } from './cache-tiers.js';

/** What a loader is told about the load it is asked for. */
export interface LoaderContext<T> {
  readonly key: string;
  /** The stale value being refreshed (grace or early refresh), if any. */
  readonly staleValue: T | undefined;
}

export type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>;

/** Per-call settings after defaults (milliseconds). */
export interface LoadSettings {
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly tags: readonly string[];
}

/**
 * The miss path of getOrSet. Three layers keep the loader from being called more than once per
 * key at a time:
 *  1. single-flight: concurrent callers in this process share one promise per key;
 *  2. the Redis lock: one process per key loads, the others wait to be woken by the holder's
 *     fenced write (see DistributedLock) and then read L2;
 *  3. a double check after taking the lock, because a holder may have finished between our L2
 *     miss and our lock attempt.
 * Background refreshes (grace, XFetch) use the same path but never wait: if another process holds
 * the lock, it is already refreshing.
 */
export class LoadCoordinator {
  readonly #t: CacheTiers;
  readonly #flights = new Map<string, Promise<unknown>>();
  readonly #refreshing = new Set<string>();
  readonly #backoff = new Map<string, number>();

  constructor(tiers: CacheTiers) {
    this.#t = tiers;
  }

  /** Resolves a key L1 could not answer synchronously. */
  resolve<T>(key: string, loader: Loader<T>, settings: LoadSettings): Promise<T> {
    if (!this.#t.options.stampedePrevention) return this.#resolve(key, loader, settings);
    const existing = this.#flights.get(key);
    if (existing) {
      this.#t.stats.localWaits++;
      return existing as Promise<T>;
    }
    const flight = this.#resolve(key, loader, settings);
    this.#flights.set(key, flight);
    const clear = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.then(clear, clear);
    return flight;
  }

  /** Starts one background refresh of `key` unless one runs or a recent one failed. */
  refreshInBackground<T>(key: string, loader: Loader<T>, settings: LoadSettings, stale: CacheEntry): void {
    if (this.#refreshing.has(key) || (this.#backoff.get(key) ?? 0) > Date.now()) return;
    this.#refreshing.add(key);
    this.#load(key, loader, settings, stale, true).then(
      () => {
        this.#refreshing.delete(key);
        this.#backoff.delete(key);
      },
      () => {
        // The loader failed: the stale value keeps being served (the error was counted).
        this.#refreshing.delete(key);
        const now = Date.now();
        if (this.#backoff.size > 10_000) {
          for (const [k, until] of this.#backoff) if (until <= now) this.#backoff.delete(k);
        }
        this.#backoff.set(key, now + this.#t.options.graceBackoffMs);
      },
    );
  }

  async #resolve<T>(key: string, loader: Loader<T>, settings: LoadSettings): Promise<T> {
    const t = this.#t;
    let stale: CacheEntry | undefined;
    const e1 = t.l1?.get(key);
    if (e1) {
      const state = await this.#judge(e1);
      if (state === 'fresh') {
        t.stats.l1Hits++;
        return e1.value as T;
      }
      if (state === 'stale') stale = e1;
    }
    if (t.l1) t.stats.l1Misses++;
    if (t.l2) {
      const e2 = await t.readL2(key);
      if (e2) {
        const state = await this.#judge(e2);
        if (state !== 'invalid') {
          t.l1?.set({ key, entry: e2, ttlMs: e2.staleUntil - Date.now() });
          t.stats.l2Hits++;
          if (state === 'fresh') return e2.value as T;
          stale = e2;
        }
      }
      if (!stale) t.stats.l2Misses++;
    }
    if (stale) {
      t.stats.staleServed++;
      this.refreshInBackground(key, loader, settings, stale);
      return stale.value as T;
    }
    return this.#load(key, loader, settings, undefined, false);
  }

  async #judge(entry: CacheEntry): Promise<'fresh' | 'stale' | 'invalid'> {
    const now = Date.now();
    if (now >= entry.staleUntil || !(await this.#t.tagsCurrent(entry))) return 'invalid';
    return now < entry.freshUntil ? 'fresh' : 'stale';
  }

  async #load<T>(
    key: string,
    loader: Loader<T>,
    settings: LoadSettings,
    replacing: CacheEntry | undefined,
    background: boolean,
  ): Promise<T> {
    const t = this.#t;
    // Versions before the load: an invalidation during the load makes this value stale at once.
    const tagVersions = await t.tags.snapshot(settings.tags);
    let handle: LockHandle | undefined;
    if (t.options.stampedePrevention && t.lock) {
      const deadline = Date.now() + t.options.lockWaitTimeoutMs;
      let counted = false;
      while (handle === undefined) {
        const acquired = await t.lock.acquire(key);
        if (acquired === 'unavailable') break;
        if (acquired !== 'busy') {
          handle = acquired;
          const done = await this.#freshInL2(key, replacing);
          if (done) {
            await t.lock.release(handle);
            return done.value as T;
          }
          break;
        }
        if (background) return replacing!.value as T;
        if (!counted) t.stats.distributedWaits++;
        counted = true;
        const found = await this.#waitForHolder(key, deadline, replacing);
        if (found) return found.value as T;
        if (Date.now() >= deadline) break;
      }
    }
    try {
      const startedAt = Date.now();
      t.stats.loaderCalls++;
      let value: T;
      try {
        value = await loader({ key, staleValue: replacing?.value as T | undefined });
      } catch (error) {
        t.stats.loaderErrors++;
        throw error;
      }
      const write = t.prepare(key, value, {
        ttlMs: settings.ttlMs,
        graceMs: settings.graceMs,
        tags: settings.tags,
        tagVersions,
        createdAt: startedAt,
        loadMs: Date.now() - startedAt,
      });
      if (handle && t.lock && write.encoded) {
        const lease = handle;
        handle = undefined;
        t.l1?.set(write);
        const busMessage = t.bus ? t.bus.keysMessage([key]) : '';
        const ttlMs = Math.min(write.ttlMs, t.options.l2.ttlMs);
        if (await t.lock.fencedWrite(lease, write.encoded, ttlMs, startedAt, busMessage)) {
          t.stats.l2BytesWritten += write.encoded.length;
        }
      } else {
        await t.store([write]);
      }
      return value;
    } finally {
      // The loader failed or its value was refused: let the next process try.
      if (handle) await t.lock?.release(handle);
    }
  }

  /** A fresh, current entry in L2 that is newer than `replacing`, copied into L1. */
  async #freshInL2(key: string, replacing: CacheEntry | undefined): Promise<CacheEntry | undefined> {
    const entry = await this.#t.readL2(key);
    if (!entry || Date.now() >= entry.freshUntil) return undefined;
    if (replacing && entry.createdAt <= replacing.createdAt) return undefined;
    if (!(await this.#t.tagsCurrent(entry))) return undefined;
    this.#t.l1?.set({ key, entry, ttlMs: entry.staleUntil - Date.now() });
    return entry;
  }

  /**
   * Another process holds the lock: wait until it announces its write (or the lease would have
   * run out), then read L2. Undefined means "try to take the lock again".
   */
  async #waitForHolder(
    key: string,
    deadline: number,
    replacing: CacheEntry | undefined,
  ): Promise<CacheEntry | undefined> {
    const t = this.#t;
    const maxWait = Math.max(1, Math.min(deadline - Date.now(), t.options.lockLeaseMs));
    // Subscribe before checking, so a wake-up between the check and the wait is not missed.
    const wait = t.bus?.waitForWake(key, maxWait) ?? sleep(Math.min(maxWait, 50));
    const early = await this.#freshInL2(key, replacing);
    if (early) {
      wait.cancel();
      return early;
    }
    await wait.promise;
    return this.#freshInL2(key, replacing);
  }
}

function sleep(ms: number): { promise: Promise<boolean>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let resolve: (v: boolean) => void = () => {};
  const promise = new Promise<boolean>((r) => {
    resolve = r;
    timer = setTimeout(() => r(false), ms);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      resolve(false);
    },
  };
}
