import { randomBytes } from 'node:crypto';
import { type GuardedRedis, UNAVAILABLE } from '../resilience/guarded-redis.js';
import type { RedisKeys } from '../stores/redis-keys.js';

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

interface LockCommands {
  igcacheFencedWrite(...args: (string | Buffer | number)[]): Promise<number>;
  igcacheRelease(lock: string, token: string, channel: string, key: string): Promise<number>;
  igcacheRenew(lock: string, token: string, leaseMs: number): Promise<number>;
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

  /** Stops every renewal timer (the cache is closing; held locks then expire by themselves). */
  close(): void {
    for (const timer of this.#renewals.values()) clearInterval(timer);
    this.#renewals.clear();
  }

  #stopRenewal(handle: LockHandle): void {
    const timer = this.#renewals.get(handle.token);
    if (timer) clearInterval(timer);
    this.#renewals.delete(handle.token);
  }
}
