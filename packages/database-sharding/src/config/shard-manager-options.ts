import { IntelGraphError } from '@intelgraph/errors';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import {
  isValidResolveParam,
  RESOLVE_ADDRESSES,
  RESOLVE_PARAM,
  replicaSetHost,
} from '../replicas/replica-set.js';

/**
 * The one normalised configuration of a ShardManager. Every default is declared here, once;
 * `resolveShardManagerOptions` validates at construction and fails with `CONFIG_INVALID`
 * naming the field and the value.
 */

/** `[from, to)` in the order of the range strategy's comparison (strings compare by code unit). */
export interface KeyRange {
  /** Inclusive lower bound. Omitted: unbounded below. */
  readonly from?: string | number;
  /** Exclusive upper bound. Omitted: unbounded above. */
  readonly to?: string | number;
}

export interface ShardConfig {
  /** Stable id used in routing, metrics and errors. Changing it moves keys (hash strategy). */
  readonly id: string;
  /** Human name (defaults to `id`). */
  readonly name?: string;
  /** Connection string of the primary (the only node that takes writes). */
  readonly primary: string;
  /** Connection strings of streaming replicas of that primary (may be empty). */
  readonly replicas?: readonly string[];
  /** Region, used by the geo strategy (shards of one region form a group). */
  readonly region?: string;
  /** Key range, required by the range strategy. */
  readonly range?: KeyRange;
}

export type StrategyName = 'hash' | 'range' | 'geo';

export interface ShardManagerOptions {
  /** How a shard key maps to a shard. */
  readonly strategy: StrategyName;
  /** Name of the shard-key field in contexts and rows (e.g. `tenantId`). Default `tenantId`. */
  readonly shardKeyField?: string;
  readonly shards: readonly ShardConfig[];
  /** Points per shard on the consistent-hash ring. Default 150. */
  readonly virtualNodes?: number;
  readonly pool?: {
    /** Max clients per primary pool. Default 10. */
    readonly primaryMax?: number;
    /** Max clients per replica pool. Default 10. */
    readonly replicaMax?: number;
    /** Connect timeout; a blackholed node fails after this. Default 2000 ms. */
    readonly connectionTimeoutMs?: number;
    /** Idle client lifetime. Default 30000 ms. */
    readonly idleTimeoutMs?: number;
    /** Client-side timeout of one statement (0 = none). Default 30000 ms. */
    readonly queryTimeoutMs?: number;
  };
  readonly health?: {
    /** Interval between health rounds. Default 1000 ms. */
    readonly intervalMs?: number;
    /** Timeout of one health probe. Default 1000 ms. */
    readonly timeoutMs?: number;
    /** A replica further behind its primary than this is not read from. Default 5000 ms. */
    readonly maxReplicaLagMs?: number;
  };
  /** prom-client registry for the per-shard metrics; none = no metrics. */
  readonly metrics?: { readonly registry: Registry; readonly prefix?: string };
  /**
   * Resolves the host of a replica set (a replica URL with `?resolve=addresses`) to its
   * addresses, at every health round. Default: the system resolver (getaddrinfo).
   */
  readonly resolveAddresses?: (host: string) => Promise<readonly string[]>;
}

export interface ResolvedShard {
  readonly id: string;
  readonly name: string;
  readonly primary: string;
  readonly replicas: readonly string[];
  readonly region: string | undefined;
  readonly range: KeyRange | undefined;
}

export interface ResolvedShardManagerOptions {
  readonly strategy: StrategyName;
  readonly shardKeyField: string;
  readonly shards: readonly ResolvedShard[];
  readonly virtualNodes: number;
  readonly pool: Required<NonNullable<ShardManagerOptions['pool']>>;
  readonly health: Required<NonNullable<ShardManagerOptions['health']>>;
  readonly metrics: { readonly registry: Registry; readonly prefix: string } | undefined;
}

export const DEFAULTS = {
  shardKeyField: 'tenantId',
  virtualNodes: 150,
  pool: {
    primaryMax: 10,
    replicaMax: 10,
    connectionTimeoutMs: 2000,
    idleTimeoutMs: 30_000,
    queryTimeoutMs: 30_000,
  },
  health: { intervalMs: 1000, timeoutMs: 1000, maxReplicaLagMs: 5000 },
  metricsPrefix: 'intelgraph_shard_',
} as const;

const postgresUrl = z.string().refine((value) => /^postgres(ql)?:\/\//.test(value), {
  message: 'expected a postgres:// or postgresql:// URL',
});
const bound = z.union([z.string(), z.number()]);
/** A replica: one server, or with `?resolve=addresses` every address its host resolves to. */
const replicaUrl = postgresUrl.refine(isValidResolveParam, {
  message: `the only ${RESOLVE_PARAM} a replica URL takes is ${RESOLVE_PARAM}=${RESOLVE_ADDRESSES} (one replica per address of its host)`,
});
/** The primary is one server: a replica set there would send writes to any of them. */
const primaryUrl = postgresUrl.refine(
  (value) => isValidResolveParam(value) && replicaSetHost(value) === undefined,
  {
    message: `a primary URL names one server; ${RESOLVE_PARAM}=${RESOLVE_ADDRESSES} is for replicas`,
  },
);

export const shardConfigSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9_.-]'),
  name: z.string().min(1).optional(),
  primary: primaryUrl,
  replicas: z.array(replicaUrl).default([]),
  region: z.string().min(1).optional(),
  range: z.object({ from: bound.optional(), to: bound.optional() }).optional(),
});

const positiveInt = z.number().int().positive();
const optionsSchema = z.object({
  strategy: z.enum(['hash', 'range', 'geo']),
  shardKeyField: z.string().min(1).default(DEFAULTS.shardKeyField),
  shards: z.array(shardConfigSchema).min(1, 'expected at least one shard'),
  virtualNodes: positiveInt.max(10_000).default(DEFAULTS.virtualNodes),
  pool: z
    .object({
      primaryMax: positiveInt.default(DEFAULTS.pool.primaryMax),
      replicaMax: positiveInt.default(DEFAULTS.pool.replicaMax),
      connectionTimeoutMs: positiveInt.default(DEFAULTS.pool.connectionTimeoutMs),
      idleTimeoutMs: positiveInt.default(DEFAULTS.pool.idleTimeoutMs),
      queryTimeoutMs: z.number().int().min(0).default(DEFAULTS.pool.queryTimeoutMs),
    })
    .prefault({}),
  health: z
    .object({
      intervalMs: positiveInt.default(DEFAULTS.health.intervalMs),
      timeoutMs: positiveInt.default(DEFAULTS.health.timeoutMs),
      maxReplicaLagMs: z.number().min(0).default(DEFAULTS.health.maxReplicaLagMs),
    })
    .prefault({}),
});

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Never prints a password that a connection string (of any scheme) may carry. */
export function redactUrl(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1<redacted>@');
}

function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** Validates options and applies defaults; `source` names where they came from in messages. */
export function resolveShardManagerOptions(
  input: ShardManagerOptions,
  source = 'ShardManager options',
): ResolvedShardManagerOptions {
  const parsed = optionsSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const value = redactUrl(valueAt(input, issue.path));
      problems.push(
        `${fieldName(issue.path) || '(root)'}=${JSON.stringify(value) ?? 'undefined'}: ${issue.message}`,
      );
    }
  } else {
    const ids = new Set<string>();
    parsed.data.shards.forEach((shard, i) => {
      if (ids.has(shard.id)) problems.push(`shards[${i}].id=${JSON.stringify(shard.id)}: duplicate shard id`);
      ids.add(shard.id);
      if (parsed.data.strategy === 'range' && shard.range === undefined)
        problems.push(`shards[${i}].range=undefined: the range strategy needs a range on every shard`);
      if (parsed.data.strategy === 'geo' && shard.region === undefined)
        problems.push(`shards[${i}].region=undefined: the geo strategy needs a region on every shard`);
    });
  }
  if (problems.length > 0 || !parsed.success) {
    throw new IntelGraphError('CONFIG_INVALID', `${source} are invalid:\n  ${problems.join('\n  ')}`, {
      input: { strategy: input?.strategy, shards: input?.shards?.map((s) => s?.id) },
      details: { problems },
    });
  }
  const data = parsed.data;
  return {
    strategy: data.strategy,
    shardKeyField: data.shardKeyField,
    virtualNodes: data.virtualNodes,
    pool: data.pool,
    health: data.health,
    shards: data.shards.map((s) => ({
      id: s.id,
      name: s.name ?? s.id,
      primary: s.primary,
      replicas: s.replicas,
      region: s.region,
      range: s.range,
    })),
    metrics: input.metrics
      ? { registry: input.metrics.registry, prefix: input.metrics.prefix ?? DEFAULTS.metricsPrefix }
      : undefined,
  };
}
