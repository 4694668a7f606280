import { randomBytes } from 'node:crypto';
import { type GuardedRedis, UNAVAILABLE } from '../resilience/guarded-redis.js';
import type { RedisKeys } from '../stores/redis-keys.js';
import { isCluster } from '../stores/redis-store.js';

/*
 * The cross-process half of stampede prevention: `SET lock NX PX lease` with a random token.
 *  - The holder renews the lease while its loader runs, so a slow loader keeps the lock and a
 *    crashed holder's lock expires after at most one lease.
 *  - The holder writes its value with FENCED_WRITE: only while it still holds the lock, or, if
 *    the lock expired and nobody took it, only over an older value (entries carry the time their
 *    load started at byte 2 of the encoding). A stale holder never overwrites a newer value.
 *  - The same script deletes the lock and publishes the key on the wake channel, so waiters in
 *    other processes are woken at once instead of polling.
 */
const FENCED_WRITE = `
local holder = redis.call('GET', KEYS[2])
local ok = holder == ARGV[1]
if not ok and not holder then
  local current = redis.call('GET', KEYS[1])
  if not current or string.len(current) < 34 or string.byte(current, 1) ~= 199 then
    ok = true
  else
    ok = struct.unpack('<d', current, 3) < tonumber(ARGV[4])
  end
end
if ok then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
end
if holder == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[7], ARGV[8])
if ok then return 1 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/*
 * The same three operations for many keys in one round trip (a batch read-through's cold keys):
 * one token for the batch, one script call on a single node. On a Cluster the keys of a batch sit
 * in different slots, so there each key gets its own call (in parallel).
 */
const ACQUIRE_MANY = `
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0
end
return out`;

const RENEW_MANY = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1`;

const FENCED_WRITE_MANY = `
local token = ARGV[1]
local out = {}
for i = 1, #KEYS / 2 do
  local data = KEYS[2 * i - 1]
  local lock = KEYS[2 * i]
  local base = 4 + (i - 1) * 4
  local holder = redis.call('GET', lock)
  local ok = holder == token
  if not ok and not holder then
    local current = redis.call('GET', data)
    if not current or string.len(current) < 34 or string.byte(current, 1) ~= 199 then
      ok = true
    else
      ok = struct.unpack('<d', current, 3) < tonumber(ARGV[base + 3])
    end
  end
  if ok then redis.call('SET', data, ARGV[base + 1], 'PX', ARGV[base + 2]) end
  if holder == token then redis.call('DEL', lock) end
  redis.call('PUBLISH', ARGV[2], ARGV[base + 4])
  if ok then out[i] = 1 else out[i] = 0 end
end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return out`;

const RELEASE_MANY = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    redis.call('PUBLISH', ARGV[2], ARGV[2 + i])
  end
end
return 1`;

interface LockCommands {
  igcacheFencedWrite(...args: (string | Buffer | number)[]): Promise<number>;
  igcacheRelease(lock: string, token: string, channel: string, key: string): Promise<number>;
  igcacheRenew(lock: string, token: string, leaseMs: number): Promise<number>;
  igcacheAcquireMany(...args: (string | number)[]): Promise<number[]>;
  igcacheRenewMany(...args: (string | number)[]): Promise<number>;
  igcacheFencedWriteMany(...args: (string | Buffer | number)[]): Promise<number[]>;
  igcacheReleaseMany(...args: (string | number)[]): Promise<number>;
}

/** One cold key's value to write under its lock (`fencedWriteMany`). */
export interface LockedWrite {
  readonly handle: LockHandle;
  readonly data: Buffer;
  readonly ttlMs: number;
  /** When the value's load started: over a newer value, a lock-less write is refused. */
  readonly createdAt: number;
}

export interface LockHandle {
  readonly key: string;
  readonly token: string;
}

export type AcquireResult = LockHandle | 'busy' | 'unavailable';

export class DistributedLock {
  readonly #guard: GuardedRedis;
  readonly #keys: RedisKeys;
  readonly #leaseMs: number;
  readonly #renewals = new Map<string, NodeJS.Timeout>();
  /** Keys of a batch's token still held (one renewal timer per batch). */
  readonly #batches = new Map<string, Set<string>>();
  readonly #cluster: boolean;

  constructor(guard: GuardedRedis, keys: RedisKeys, leaseMs: number) {
    this.#guard = guard;
    this.#keys = keys;
    this.#leaseMs = leaseMs;
    const redis = guard.redis;
    if (!('igcacheFencedWrite' in redis)) {
      redis.defineCommand('igcacheFencedWrite', { numberOfKeys: 2, lua: FENCED_WRITE });
      redis.defineCommand('igcacheRelease', { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand('igcacheRenew', { numberOfKeys: 1, lua: RENEW });
    }
    if (!('igcacheAcquireMany' in redis)) {
      // numberOfKeys given per call (the first argument): `defineCommand` without it.
      redis.defineCommand('igcacheAcquireMany', { lua: ACQUIRE_MANY });
      redis.defineCommand('igcacheRenewMany', { lua: RENEW_MANY });
      redis.defineCommand('igcacheFencedWriteMany', { lua: FENCED_WRITE_MANY });
      redis.defineCommand('igcacheReleaseMany', { lua: RELEASE_MANY });
    }
    this.#cluster = isCluster(redis);
  }

  get leaseMs(): number {
    return this.#leaseMs;
  }

  async acquire(key: string): Promise<AcquireResult> {
    const token = randomBytes(12).toString('base64url');
    const lock = this.#keys.lock(key);
    const result = await this.#guard.run((redis) => redis.set(lock, token, 'PX', this.#leaseMs, 'NX'));
    if (result === UNAVAILABLE) return 'unavailable';
    if (result !== 'OK') return 'busy';
    const handle = { key, token };
    const timer = setInterval(
      () => {
        void this.#guard.run((redis) =>
          (redis as unknown as LockCommands).igcacheRenew(lock, token, this.#leaseMs),
        );
      },
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    );
    timer.unref();
    this.#renewals.set(token, timer);
    return handle;
  }

  /**
   * Writes `data` for the handle's key if the holder may (see above), deletes the lock, wakes
   * waiters. `busMessage` ('' for none) is published with the write so other instances evict L1.
   * Returns true when the value was written.
   */
  async fencedWrite(
    handle: LockHandle,
    data: Buffer,
    ttlMs: number,
    createdAt: number,
    busMessage: string,
  ): Promise<boolean> {
    this.#stopRenewal(handle);
    const result = await this.#guard.run((redis) =>
      (redis as unknown as LockCommands).igcacheFencedWrite(
        this.#keys.data(handle.key),
        this.#keys.lock(handle.key),
        handle.token,
        data,
        Math.max(1, Math.ceil(ttlMs)),
        String(createdAt),
        this.#keys.bus,
        busMessage,
        this.#keys.wake,
        handle.key,
      ),
    );
    return result === 1;
  }

  /** Gives the lock up without writing (the loader failed); wakes waiters so one can take over. */
  async release(handle: LockHandle): Promise<void> {
    this.#stopRenewal(handle);
    await this.#guard.run((redis) =>
      (redis as unknown as LockCommands).igcacheRelease(
        this.#keys.lock(handle.key),
        handle.token,
        this.#keys.wake,
        handle.key,
      ),
    );
  }

  /**
   * Locks many keys with one token and one renewal timer, in one round trip on a single node.
   * Per key, like `acquire`: a handle, `busy`, or `unavailable` (then for every key).
   */
  async acquireMany(keys: readonly string[]): Promise<AcquireResult[]> {
    if (keys.length === 0) return [];
    if (this.#cluster) return Promise.all(keys.map((key) => this.acquire(key)));
    const token = randomBytes(12).toString('base64url');
    const locks = keys.map((key) => this.#keys.lock(key));
    const result = await this.#guard.run((redis) =>
      (redis as unknown as LockCommands).igcacheAcquireMany(locks.length, ...locks, token, this.#leaseMs),
    );
    if (result === UNAVAILABLE) return keys.map(() => 'unavailable');
    const held = new Set<string>();
    const out = keys.map((key, i): AcquireResult => {
      if (Number(result[i]) !== 1) return 'busy';
      held.add(key);
      return { key, token };
    });
    if (held.size > 0) {
      this.#batches.set(token, held);
      const timer = setInterval(
        () => {
          const live = [...(this.#batches.get(token) ?? [])].map((key) => this.#keys.lock(key));
          if (live.length === 0) return;
          void this.#guard.run((redis) =>
            (redis as unknown as LockCommands).igcacheRenewMany(live.length, ...live, token, this.#leaseMs),
          );
        },
        Math.max(10, Math.floor(this.#leaseMs / 3)),
      );
      timer.unref();
      this.#renewals.set(token, timer);
    }
    return out;
  }

  /**
   * `fencedWrite` for many keys (one round trip on a single node): each value is written if its
   * holder may, its lock deleted, its waiters woken; `busMessage` ('' for none) is published once.
   * Returns, per write, whether its value was written.
   */
  async fencedWriteMany(writes: readonly LockedWrite[], busMessage: string): Promise<boolean[]> {
    if (writes.length === 0) return [];
    if (this.#cluster || new Set(writes.map((w) => w.handle.token)).size > 1)
      return Promise.all(
        writes.map((w) => this.fencedWrite(w.handle, w.data, w.ttlMs, w.createdAt, busMessage)),
      );
    const token = writes[0]!.handle.token;
    for (const w of writes) this.#forget(w.handle);
    const keys: string[] = [];
    const args: (string | Buffer | number)[] = [token, this.#keys.wake, this.#keys.bus, busMessage];
    for (const w of writes) {
      keys.push(this.#keys.data(w.handle.key), this.#keys.lock(w.handle.key));
      args.push(w.data, Math.max(1, Math.ceil(w.ttlMs)), String(w.createdAt), w.handle.key);
    }
    const result = await this.#guard.run((redis) =>
      (redis as unknown as LockCommands).igcacheFencedWriteMany(keys.length, ...keys, ...args),
    );
    return result === UNAVAILABLE ? writes.map(() => false) : writes.map((_, i) => Number(result[i]) === 1);
  }

  /** `release` for many handles of one batch (one round trip on a single node). */
  async releaseMany(handles: readonly LockHandle[]): Promise<void> {
    if (handles.length === 0) return;
    if (this.#cluster || new Set(handles.map((h) => h.token)).size > 1) {
      await Promise.all(handles.map((h) => this.release(h)));
      return;
    }
    for (const h of handles) this.#forget(h);
    const locks = handles.map((h) => this.#keys.lock(h.key));
    await this.#guard.run((redis) =>
      (redis as unknown as LockCommands).igcacheReleaseMany(
        locks.length,
        ...locks,
        handles[0]!.token,
        this.#keys.wake,
        ...handles.map((h) => h.key),
      ),
    );
  }

  /** Stops every renewal timer (the cache is closing; held locks then expire by themselves). */
  close(): void {
    for (const timer of this.#renewals.values()) clearInterval(timer);
    this.#renewals.clear();
    this.#batches.clear();
  }

  #stopRenewal(handle: LockHandle): void {
    if (this.#batches.has(handle.token)) {
      this.#forget(handle);
      return;
    }
    const timer = this.#renewals.get(handle.token);
    if (timer) clearInterval(timer);
    this.#renewals.delete(handle.token);
  }

  /** A key of a batch is written or released: its renewal stops with the batch's last key. */
  #forget(handle: LockHandle): void {
    const held = this.#batches.get(handle.token);
    if (!held) return;
    held.delete(handle.key);
    if (held.size > 0) return;
    this.#batches.delete(handle.token);
    const timer = this.#renewals.get(handle.token);
    if (timer) clearInterval(timer);
    this.#renewals.delete(handle.token);
  }
}
