/*
 * One file for one algorithm: the steps of a batched read-through (tiers, single-flight, the
 * cross-process lock and its waits, fence, load, fenced write) share one call's state and hand
 * keys to each other; split, each part would need all of it passed around.
 */
import { fencedVersions, type TagFence } from '../invalidation/tag-fence.js';
import { normaliseTags } from '../keys/validate.js';
import type { LockHandle } from '../stampede/distributed-lock.js';
import type { CacheTiers, PreparedWrite } from './cache-tiers.js';

/** One key a batch read-through has to load: its key, and the cached value it could not use. */
export interface BatchMiss<T> {
  readonly key: string;
  /** A cached (or shared) value `usable` refused, e.g. an entity cached with fewer fields: merge into it. */
  readonly previous: T | undefined;
}

/**
 * Loads the misses of a batch: their values by key, or an `Error` for a key that failed alone. A
 * key left out has no value (it is not stored). Throwing fails every key of the call.
 */
export type BatchLoad<T> = (misses: readonly BatchMiss<T>[]) => Promise<ReadonlyMap<string, T | Error>>;

export interface ReadThroughOptions<T> {
  /**
   * Seconds a loaded value stays fresh: a number for all, or per value; 0 (or less) stores nothing
   * for that value. Default: the cache's `defaultTTL`.
   */
  readonly ttl?: number | ((value: T, key: string) => number);
  /**
   * The invalidation tags of a key's entry: fenced before the load (a tag invalidated while the
   * load ran drops the write) and stored with the value.
   */
  readonly tags?: (key: string) => readonly string[];
  /**
   * Whether a cached value, or one another caller of this process just loaded, answers this read
   * (default: any). A refused one is loaded again, handed to `load` as `previous`.
   */
  readonly usable?: (value: T, key: string) => boolean;
}

export interface ReadThroughResult<T> {
  /** A value, an `Error` (that key's load failed) or undefined (no value), in the order of the keys asked. */
  readonly values: Array<T | Error | undefined>;
  /** Keys the cache answered (L1, L2, or another process's load it waited for). */
  readonly hits: number;
  /** Keys answered by a load another caller of this process had in flight. */
  readonly shared: number;
  /** Keys this call loaded. */
  readonly loaded: number;
}

/** What a load shared with other callers of this process gives them: only values, never errors. */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

interface Call<T> {
  readonly load: BatchLoad<T>;
  readonly options: ReadThroughOptions<T>;
  readonly result: Map<string, T | Error | undefined>;
  readonly share: (key: string, outcome: Outcome) => void;
  hits: number;
  shared: number;
  loaded: number;
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

/**
 * The batched read-through (`MultiTierCache.readThrough`): mget → fence → load the misses →
 * fenced mset, with the misses loaded once across the callers of this process and, on a cold
 * key, across processes. The one implementation behind the subgraphs' loaders and the gateway's
 * entity cache.
 *
 * For one call:
 *  1. one `mget` (L1, then one Redis round trip); a value `usable` accepts is a hit;
 *  2. a miss another caller of this process is loading is awaited (single-flight); the caller
 *     gets its value (not its error: a failed or unusable shared load is loaded again by this
 *     call, in a second round);
 *  3. the other misses, cold keys: with Redis and stampede prevention, each is locked in Redis
 *     (`SET NX`, the same lock as `getOrSet`); a key locked by another process is waited for (woken
 *     by that process's write, then read from L2) instead of loaded again; a key this process
 *     locked is read from L2 once more (another holder may have just finished);
 *  4. the tags of the keys to load are fenced, `load` runs once for all of them, every value is
 *     returned, and those with a TTL are written — under their lock (the lock's fenced write,
 *     which also wakes the waiters) or in one `mset` — unless one of their tags was invalidated
 *     since the fence (a load that raced a write never stores what it read). Keys not stored
 *     release their lock, so a waiter takes over.
 *
 * `load` is called at most twice per call (the own misses, then what shared loads or other
 * processes did not answer). Cache failures never fail a read: without Redis it is L1, the
 * in-process single-flight and the loader.
 */
export class BatchReadThrough {
  readonly #t: CacheTiers;
  readonly #mget: (keys: readonly string[]) => Promise<unknown[]>;
  readonly #fence: (tags: readonly string[]) => Promise<TagFence>;
  readonly #flights = new Map<string, Promise<Outcome>>();

  constructor(
    tiers: CacheTiers,
    mget: (keys: readonly string[]) => Promise<unknown[]>,
    fence: (tags: readonly string[]) => Promise<TagFence>,
  ) {
    this.#t = tiers;
    this.#mget = mget;
    this.#fence = fence;
  }

  async run<T>(
    keys: readonly string[],
    load: BatchLoad<T>,
    options: ReadThroughOptions<T>,
  ): Promise<ReadThroughResult<T>> {
    const usable = options.usable ?? (() => true);
    // 1. the tiers (duplicates are fine for mget). All hits, the common case, costs nothing more.
    const cached = (await this.#mget(keys)) as Array<T | undefined>;
    let allHit = true;
    for (let i = 0; i < keys.length; i++) {
      const value = cached[i];
      if (value === undefined || !usable(value, keys[i]!)) {
        allHit = false;
        break;
      }
    }
    if (allHit) return { values: cached, hits: keys.length, shared: 0, loaded: 0 };
    const mine = new Map<string, (outcome: Outcome) => void>();
    const call: Call<T> = {
      load,
      options,
      result: new Map(),
      share: (key, outcome) => {
        const settle = mine.get(key);
        if (!settle) return;
        mine.delete(key);
        settle(outcome);
      },
      hits: 0,
      shared: 0,
      loaded: 0,
    };

    const misses: BatchMiss<T>[] = [];
    const missing = new Set<string>();
    keys.forEach((key, i) => {
      if (call.result.has(key) || missing.has(key)) return;
      const value = cached[i];
      if (value !== undefined && usable(value, key)) {
        call.result.set(key, value);
        call.hits++;
      } else {
        missing.add(key);
        misses.push({ key, previous: value });
      }
    });

    if (misses.length > 0) {
      // 2. single-flight in this process: join the loads in flight, own the others
      const single = this.#t.options.stampedePrevention;
      const own: BatchMiss<T>[] = [];
      const joined: Array<[BatchMiss<T>, Promise<Outcome>]> = [];
      for (const miss of misses) {
        const flight = single ? this.#flights.get(miss.key) : undefined;
        if (flight) {
          joined.push([miss, flight]);
          continue;
        }
        own.push(miss);
        if (!single) continue;
        let settle!: (outcome: Outcome) => void;
        const promise = new Promise<Outcome>((resolve) => {
          settle = resolve;
        });
        this.#flights.set(miss.key, promise);
        mine.set(miss.key, (outcome) => {
          if (this.#flights.get(miss.key) === promise) this.#flights.delete(miss.key);
          settle(outcome);
        });
      }
      if (joined.length > 0) this.#t.stats.localWaits += joined.length;
      const again: BatchMiss<T>[] = [];
      try {
        await Promise.all([
          this.#loadOwn(own, call, again),
          ...joined.map(async ([miss, flight]) => {
            const outcome = await flight;
            if (outcome.ok && (outcome.value === undefined || usable(outcome.value as T, miss.key))) {
              call.result.set(miss.key, outcome.value as T | undefined);
              call.shared++;
            } else again.push({ key: miss.key, previous: outcome.ok ? (outcome.value as T) : miss.previous });
          }),
        ]);
        // What shared loads or other processes did not answer: this call loads it.
        if (again.length > 0) await this.#loadAndStore(again, new Map(), call);
      } finally {
        // Whatever happened (a throwing load), no caller waits on this call's flights forever.
        for (const key of [...mine.keys()]) call.share(key, { ok: false });
      }
    }
    return {
      values: keys.map((key) => call.result.get(key)),
      hits: call.hits,
      shared: call.shared,
      loaded: call.loaded,
    };
  }

  /** The own misses: locked in Redis (cold keys across processes), or loaded at once without it. */
  async #loadOwn<T>(own: readonly BatchMiss<T>[], call: Call<T>, again: BatchMiss<T>[]): Promise<void> {
    if (own.length === 0) return;
    const t = this.#t;
    const lock = t.options.stampedePrevention ? t.lock : undefined;
    if (!lock) return this.#loadAndStore(own, new Map(), call);
    const acquired = await lock.acquireMany(own.map((miss) => miss.key));
    const held = new Map<string, LockHandle>();
    const free: BatchMiss<T>[] = [];
    const busy: BatchMiss<T>[] = [];
    own.forEach((miss, i) => {
      const got = acquired[i]!;
      if (got === 'busy') busy.push(miss);
      else {
        if (got !== 'unavailable') held.set(miss.key, got);
        free.push(miss);
      }
    });
    // Another holder may have written between our miss and our lock: read L2 once more.
    const toLoad = held.size > 0 ? await this.#fromTiers(free, call, held) : free;
    await Promise.all([this.#loadAndStore(toLoad, held, call), this.#waitForHolders(busy, call, again)]);
  }

  /**
   * Keys another process is loading: wait until it announces its write (or its lease would have
   * run out), then read them; a key still missing is taken over (locked and loaded here) when its
   * lock is free, waited for again while busy, and loaded anyway after `lockWaitTimeoutMs`.
   */
  async #waitForHolders<T>(
    busy: readonly BatchMiss<T>[],
    call: Call<T>,
    again: BatchMiss<T>[],
  ): Promise<void> {
    if (busy.length === 0) return;
    const t = this.#t;
    const lock = t.lock!;
    t.stats.distributedWaits += busy.length;
    const deadline = Date.now() + t.options.lockWaitTimeoutMs;
    let waiting: BatchMiss<T>[] = [...busy];
    while (waiting.length > 0) {
      const maxWait = Math.max(1, Math.min(deadline - Date.now(), t.options.lockLeaseMs));
      // Subscribe before checking, so a wake-up between the check and the wait is not missed.
      const waits = new Map(
        waiting.map((miss) => [
          miss.key,
          t.bus?.waitForWake(miss.key, maxWait) ?? sleep(Math.min(maxWait, 50)),
        ]),
      );
      let left = await this.#fromTiers(waiting, call);
      for (const key of waits.keys()) if (!left.some((m) => m.key === key)) waits.get(key)!.cancel();
      await Promise.all(left.map((miss) => waits.get(miss.key)!.promise));
      left = await this.#fromTiers(left, call);
      if (left.length === 0) return;
      if (Date.now() >= deadline) {
        again.push(...left);
        return;
      }
      // The holder gave up (it failed, or found nothing to store): take over where the lock is free.
      const retried = await lock.acquireMany(left.map((miss) => miss.key));
      const held = new Map<string, LockHandle>();
      const takeOver: BatchMiss<T>[] = [];
      waiting = [];
      left.forEach((miss, i) => {
        const got = retried[i]!;
        if (got === 'busy') waiting.push(miss);
        else {
          if (got !== 'unavailable') held.set(miss.key, got);
          takeOver.push(miss);
        }
      });
      if (takeOver.length > 0) await this.#loadAndStore(takeOver, held, call);
    }
  }

  /**
   * Reads `misses` from the tiers: a usable value settles its key (and its shared flight, and
   * releases the lock `held` has for it); the others are returned.
   */
  async #fromTiers<T>(
    misses: readonly BatchMiss<T>[],
    call: Call<T>,
    held?: Map<string, LockHandle>,
  ): Promise<BatchMiss<T>[]> {
    const values = (await this.#mget(misses.map((m) => m.key))) as Array<T | undefined>;
    const usable = call.options.usable ?? (() => true);
    const left: BatchMiss<T>[] = [];
    const releases: LockHandle[] = [];
    misses.forEach((miss, i) => {
      const value = values[i];
      if (value === undefined || !usable(value, miss.key)) {
        left.push(value === undefined ? miss : { key: miss.key, previous: value });
        return;
      }
      call.result.set(miss.key, value);
      call.hits++;
      call.share(miss.key, { ok: true, value });
      const handle = held?.get(miss.key);
      if (handle) {
        held!.delete(miss.key);
        releases.push(handle);
      }
    });
    if (releases.length > 0) await this.#t.lock!.releaseMany(releases);
    return left;
  }

  /** Fence, one load, every value returned and shared, the storable ones written (fenced). */
  async #loadAndStore<T>(
    misses: readonly BatchMiss<T>[],
    held: Map<string, LockHandle>,
    call: Call<T>,
  ): Promise<void> {
    const t = this.#t;
    const lock = t.lock;
    const releaseAll = async (handles: Iterable<LockHandle>) => {
      const list = [...handles];
      if (list.length > 0) await lock?.releaseMany(list);
    };
    if (misses.length === 0) return;
    let tagsOf: Map<string, readonly string[]>;
    try {
      tagsOf = new Map(misses.map((m) => [m.key, normaliseTags(call.options.tags?.(m.key))]));
    } catch (error) {
      await releaseAll(held.values());
      throw error;
    }
    const allTags = [...new Set([...tagsOf.values()].flat())];
    // Versions before the load: a tag invalidated while it runs drops the write.
    const fence = await this.#fence(allTags);
    const startedAt = Date.now();
    t.stats.loaderCalls++;
    let found: ReadonlyMap<string, T | Error>;
    try {
      found = await call.load(misses);
    } catch (error) {
      t.stats.loaderErrors++;
      await releaseAll(held.values());
      throw error;
    }
    const loadMs = Date.now() - startedAt;
    const current = new Map(allTags.map((tag, i) => [tag, i]));
    const versionsNow = allTags.length > 0 ? await t.tags.snapshot(allTags) : [];
    const writes: PreparedWrite[] = [];
    const locked: Array<[PreparedWrite, LockHandle]> = [];
    const release: LockHandle[] = [];
    for (const miss of misses) {
      const value = found.get(miss.key);
      call.result.set(miss.key, value);
      call.loaded++;
      call.share(miss.key, value instanceof Error ? { ok: false } : { ok: true, value });
      const handle = held.get(miss.key);
      const write =
        value === undefined || value instanceof Error
          ? undefined
          : this.#prepare(
              miss.key,
              value,
              tagsOf.get(miss.key)!,
              fence,
              versionsNow,
              current,
              startedAt,
              loadMs,
              call,
            );
      if (!write) {
        if (handle) release.push(handle);
      } else if (handle && write.encoded) locked.push([write, handle]);
      else {
        writes.push(write);
        if (handle) release.push(handle);
      }
    }
    const l2TtlMs = t.options.l2.ttlMs;
    await Promise.all([
      writes.length > 0 ? t.store(writes) : undefined,
      releaseAll(release),
      (async () => {
        if (locked.length === 0) return;
        for (const [write] of locked) t.l1?.set(write);
        const busMessage = t.bus ? t.bus.keysMessage(locked.map(([write]) => write.key)) : '';
        const written = await lock!.fencedWriteMany(
          locked.map(([write, handle]) => ({
            handle,
            data: write.encoded!,
            ttlMs: Math.min(write.ttlMs, l2TtlMs),
            createdAt: startedAt,
          })),
          busMessage,
        );
        written.forEach((ok, i) => {
          if (ok) t.stats.l2BytesWritten += locked[i]![0].encoded!.length;
        });
      })(),
    ]);
  }

  /** The write of a loaded value, or undefined: no TTL, a tag moved since the fence, or unserializable. */
  #prepare<T>(
    key: string,
    value: T,
    tags: readonly string[],
    fence: TagFence,
    versionsNow: readonly number[],
    index: ReadonlyMap<string, number>,
    startedAt: number,
    loadMs: number,
    call: Call<T>,
  ): PreparedWrite | undefined {
    const t = this.#t;
    const { ttl } = call.options;
    const seconds = typeof ttl === 'function' ? ttl(value, key) : ttl;
    const ttlMs = seconds === undefined ? t.options.defaultTtlMs : seconds * 1000;
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) return undefined;
    const tagVersions = fencedVersions(
      tags,
      tags.map((tag) => versionsNow[index.get(tag)!]!),
      fence,
    );
    if (!tagVersions) {
      t.stats.fencedWrites++;
      return undefined;
    }
    try {
      return t.prepare(key, value, {
        ttlMs,
        graceMs: t.options.graceMs,
        tags,
        tagVersions,
        createdAt: startedAt,
        loadMs,
      });
    } catch {
      // Not serializable: returned to the caller, never stored.
      return undefined;
    }
  }
}
