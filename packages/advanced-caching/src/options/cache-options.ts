import { IntelGraphError } from '@intelgraph/errors';
import type { Cluster, Redis } from 'ioredis';
import type { Serializer } from '../serialization/serializer.js';
import { jsonSerializer } from '../serialization/serializer.js';

/** An ioredis client: a single node or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface L1Options {
  /** Keep an in-process LRU tier. Default `true`. */
  readonly enabled?: boolean;
  /** Most entries kept. Default `10_000`. */
  readonly maxSize?: number;
  /** When set, also bound L1 by the encoded size of its entries, in bytes. Default unset. */
  readonly maxBytes?: number;
  /**
   * Longest an entry lives in L1, in seconds, whatever its own TTL. It bounds how stale an L1 copy
   * can get when a cross-instance eviction message is lost (pub/sub down). Default `300`.
   */
  readonly ttl?: number;
}

export interface L2Options {
  /** Use Redis as the shared tier. Default `true` when `redis` is given. */
  readonly enabled?: boolean;
  /** The ioredis client (single node or Cluster). The cache never closes it. */
  readonly redis?: RedisClient;
  /** Longest an entry lives in Redis, in seconds, whatever its own TTL. Default `3600`. */
  readonly ttl?: number;
  /** A Redis command that takes longer counts as a failure. Milliseconds, default `500`. */
  readonly timeoutMs?: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive Redis failures that open the breaker. Default `3`. */
  readonly failureThreshold?: number;
  /** How long the breaker stays open before one probe is let through, ms. Default `2000`. */
  readonly resetTimeoutMs?: number;
}

export interface CompressionOptions {
  /** Compress encoded payloads at least this many bytes long. Default `1024`; `0` disables. */
  readonly threshold?: number;
  /** `deflate` (fast, default) or `brotli` (smaller, slower). */
  readonly algorithm?: 'deflate' | 'brotli';
}

export interface StampedeOptions {
  /** Lease of the cross-process lock, ms; renewed while the loader runs. Default `10_000`. */
  readonly lockLeaseMs?: number;
  /** Longest a process waits for another's loader before loading itself, ms. Default `15_000`. */
  readonly lockWaitTimeoutMs?: number;
}

export interface MultiTierCacheOptions {
  /** Name used in metrics labels and log lines. Default `default`. */
  readonly name?: string;
  /** Prefix of every Redis key and channel this cache uses. Default `ig:cache`. */
  readonly prefix?: string;
  readonly l1?: L1Options;
  readonly l2?: L2Options;
  /** TTL of an entry when the call gives none, in seconds. Default `3600`. */
  readonly defaultTTL?: number;
  /**
   * Grace period after an entry's TTL, in seconds: `getOrSet` serves the stale value while one
   * refresh runs, and keeps serving it if the loader fails. Default `0` (off).
   */
  readonly grace?: number;
  /** After a failed refresh within grace, wait this long before trying the loader again, s. Default `10`. */
  readonly graceBackoff?: number;
  /** Single-flight in process and a Redis lock across processes. Default `true`. */
  readonly stampedePrevention?: boolean;
  readonly stampede?: StampedeOptions;
  /**
   * Probabilistic early refresh (XFetch) for hot keys: `beta` > 0 refreshes a fresh entry early
   * with a probability that grows as its expiry nears and with its loader's cost. Default `0` (off).
   */
  readonly earlyRefreshBeta?: number;
  readonly serializer?: Serializer;
  readonly compression?: CompressionOptions;
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** Longest accepted key, in characters. Default `1024`. */
  readonly maxKeyLength?: number;
  /** Evict stale L1 copies on other instances over Redis pub/sub. Default `true` with L2. */
  readonly crossInstanceInvalidation?: boolean;
}

/** Every option with its default applied: the one normalised shape the rest of the package reads. */
export interface ResolvedCacheOptions {
  readonly name: string;
  readonly prefix: string;
  readonly l1: {
    readonly enabled: boolean;
    readonly maxSize: number;
    readonly maxBytes: number | undefined;
    readonly ttlMs: number;
  };
  readonly l2: {
    readonly enabled: boolean;
    readonly redis: RedisClient | undefined;
    readonly ttlMs: number;
    readonly timeoutMs: number;
  };
  readonly defaultTtlMs: number;
  readonly graceMs: number;
  readonly graceBackoffMs: number;
  readonly stampedePrevention: boolean;
  readonly lockLeaseMs: number;
  readonly lockWaitTimeoutMs: number;
  readonly earlyRefreshBeta: number;
  readonly serializer: Serializer;
  readonly compressionThreshold: number;
  readonly compressionAlgorithm: 'deflate' | 'brotli';
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly maxKeyLength: number;
  readonly crossInstanceInvalidation: boolean;
}

export const CACHE_DEFAULTS = {
  name: 'default',
  prefix: 'ig:cache',
  l1MaxSize: 10_000,
  l1Ttl: 300,
  l2Ttl: 3600,
  l2TimeoutMs: 500,
  defaultTTL: 3600,
  grace: 0,
  graceBackoff: 10,
  lockLeaseMs: 10_000,
  lockWaitTimeoutMs: 15_000,
  earlyRefreshBeta: 0,
  compressionThreshold: 1024,
  failureThreshold: 3,
  resetTimeoutMs: 2000,
  maxKeyLength: 1024,
} as const;

function invalid(field: string, value: unknown, expected: string): never {
  throw new IntelGraphError(
    'CONFIG_INVALID',
    `MultiTierCache option ${field}=${String(value)}: ${expected}`,
    {
      input: value,
      details: { field, expected },
    },
  );
}

function positive(field: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    invalid(field, value, allowZero ? 'expected a finite number >= 0' : 'expected a finite number > 0');
  }
  return value;
}

function integer(field: string, value: number | undefined, fallback: number): number {
  const n = positive(field, value, fallback);
  if (!Number.isInteger(n)) invalid(field, value, 'expected a positive integer');
  return n;
}

/** Applies defaults and validates; throws `CONFIG_INVALID` naming the first bad field. */
export function resolveCacheOptions(options: MultiTierCacheOptions = {}): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) invalid('options', options, 'expected an object');
  const redis = options.l2?.redis;
  const l2Enabled = options.l2?.enabled ?? redis !== undefined;
  if (l2Enabled && redis === undefined) invalid('l2.redis', redis, 'l2 is enabled: pass an ioredis client');
  if (redis !== undefined && (typeof redis !== 'object' || typeof redis.getBuffer !== 'function')) {
    invalid('l2.redis', redis, 'expected an ioredis Redis or Cluster client');
  }
  const l1Enabled = options.l1?.enabled ?? true;
  const prefix = options.prefix ?? CACHE_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
    invalid('prefix', prefix, 'expected 1-64 characters of A-Z a-z 0-9 : _ . -');
  }
  const serializer = options.serializer ?? jsonSerializer;
  if (typeof serializer.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
    invalid('serializer', serializer, 'expected { serialize(value), deserialize(buffer) }');
  }
  const algorithm = options.compression?.algorithm ?? 'deflate';
  if (algorithm !== 'deflate' && algorithm !== 'brotli') {
    invalid('compression.algorithm', algorithm, "expected 'deflate' or 'brotli'");
  }
  const maxBytes = options.l1?.maxBytes;
  return {
    name: options.name ?? CACHE_DEFAULTS.name,
    prefix,
    l1: {
      enabled: l1Enabled,
      maxSize: integer('l1.maxSize', options.l1?.maxSize, CACHE_DEFAULTS.l1MaxSize),
      maxBytes: maxBytes === undefined ? undefined : integer('l1.maxBytes', maxBytes, 1),
      ttlMs: positive('l1.ttl', options.l1?.ttl, CACHE_DEFAULTS.l1Ttl) * 1000,
    },
    l2: {
      enabled: l2Enabled,
      redis: l2Enabled ? redis : undefined,
      ttlMs: positive('l2.ttl', options.l2?.ttl, CACHE_DEFAULTS.l2Ttl) * 1000,
      timeoutMs: positive('l2.timeoutMs', options.l2?.timeoutMs, CACHE_DEFAULTS.l2TimeoutMs),
    },
    defaultTtlMs: positive('defaultTTL', options.defaultTTL, CACHE_DEFAULTS.defaultTTL) * 1000,
    graceMs: positive('grace', options.grace, CACHE_DEFAULTS.grace, true) * 1000,
    graceBackoffMs: positive('graceBackoff', options.graceBackoff, CACHE_DEFAULTS.graceBackoff, true) * 1000,
    stampedePrevention: options.stampedePrevention ?? true,
    lockLeaseMs: integer('stampede.lockLeaseMs', options.stampede?.lockLeaseMs, CACHE_DEFAULTS.lockLeaseMs),
    lockWaitTimeoutMs: positive(
      'stampede.lockWaitTimeoutMs',
      options.stampede?.lockWaitTimeoutMs,
      CACHE_DEFAULTS.lockWaitTimeoutMs,
    ),
    earlyRefreshBeta: positive(
      'earlyRefreshBeta',
      options.earlyRefreshBeta,
      CACHE_DEFAULTS.earlyRefreshBeta,
      true,
    ),
    serializer,
    compressionThreshold: positive(
      'compression.threshold',
      options.compression?.threshold,
      CACHE_DEFAULTS.compressionThreshold,
      true,
    ),
    compressionAlgorithm: algorithm,
    failureThreshold: integer(
      'circuitBreaker.failureThreshold',
      options.circuitBreaker?.failureThreshold,
      CACHE_DEFAULTS.failureThreshold,
    ),
    resetTimeoutMs: positive(
      'circuitBreaker.resetTimeoutMs',
      options.circuitBreaker?.resetTimeoutMs,
      CACHE_DEFAULTS.resetTimeoutMs,
    ),
    maxKeyLength: integer('maxKeyLength', options.maxKeyLength, CACHE_DEFAULTS.maxKeyLength),
    crossInstanceInvalidation: options.crossInstanceInvalidation ?? l2Enabled,
  };
}
