import { IntelGraphError } from '@intelgraph/errors';
import { shardKeyOfId } from '../ids/routable-id.js';
import type { ShardManager } from '../shard-manager.js';
import { GeoStrategy, type GeoStrategyOptions } from '../strategies/geo-strategy.js';
import { HashStrategy } from '../strategies/hash-strategy.js';
import { RangeStrategy } from '../strategies/range-strategy.js';
import {
  keyString,
  type RouteHint,
  type ShardingStrategy,
  type ShardKey,
} from '../strategies/sharding-strategy.js';
import type { ShardMap, TenantPlacement } from '../topology/shard-map.js';
import { OperationFence } from './operation-fence.js';

export interface ShardRouterConfig extends GeoStrategyOptions {}

/**
 * Key → shard. Builds the strategy named in the ShardManager's options over its shards, and is
 * the one place routing changes at run time (the rebalancer's `switchTo`). Also owns the
 * operation fence the rebalancer closes around the keys it moves.
 */
export class ShardRouter {
  readonly manager: ShardManager;
  readonly fence = new OperationFence();
  readonly #config: ShardRouterConfig;
  #strategy: ShardingStrategy;
  #shardIds: readonly string[];
  #epoch = 0;
  #map: ShardMap | undefined;
  #mapWaiters: Array<() => void> = [];

  constructor(manager: ShardManager, config: ShardRouterConfig = {}) {
    this.manager = manager;
    this.#config = config;
    this.#shardIds = manager.options.shards.map((s) => s.id);
    this.#strategy = this.buildStrategy(this.#shardIds);
  }

  /** The strategy of the manager's kind over `shardIds` (the rebalancer builds the next ring with it). */
  buildStrategy(shardIds: readonly string[]): ShardingStrategy {
    const { options } = this.manager;
    switch (options.strategy) {
      case 'hash':
        return new HashStrategy(shardIds, options.virtualNodes);
      case 'range':
        return new RangeStrategy(shardIds.map((id) => ({ id, range: this.manager.shard(id).config.range })));
      case 'geo':
        return new GeoStrategy(
          shardIds.map((id) => ({ id, region: this.manager.shard(id).region })),
          options.virtualNodes,
          this.#config,
        );
    }
  }

  get strategy(): ShardingStrategy {
    return this.#strategy;
  }

  /** Shards that routing currently uses (a shard being filled by the rebalancer is not one yet). */
  get shardIds(): readonly string[] {
    return this.#shardIds;
  }

  /** Bumped at each routing switch. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Id of the shard owning `key`. */
  route(key: ShardKey, hint?: RouteHint): string {
    if (key === undefined || key === null || key === '') throw keyRequired(key);
    return this.#strategy.route(key, hint);
  }

  /** Keys grouped by shard, each group in input order, duplicates kept once: one query per shard. */
  routeMany<K extends ShardKey>(keys: Iterable<K>, hint?: RouteHint): Map<string, K[]> {
    const groups = new Map<string, K[]>();
    const seen = new Set<string>();
    for (const key of keys) {
      const s = key === undefined || key === null ? '' : keyString(key);
      if (seen.has(s)) continue;
      seen.add(s);
      const shardId = this.route(key, hint);
      const group = groups.get(shardId);
      if (group) group.push(key);
      else groups.set(shardId, [key]);
    }
    return groups;
  }

  /** Shard of a routable id (`<shardKey>:<localId>`). */
  routeId(id: string, hint?: RouteHint): string {
    return this.route(shardKeyOfId(id), hint);
  }

  /** Routable ids grouped by shard. */
  routeIds(ids: Iterable<string>, hint?: RouteHint): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const id of new Set(ids)) {
      const shardId = this.routeId(id, hint);
      const group = groups.get(shardId);
      if (group) group.push(id);
      else groups.set(shardId, [id]);
    }
    return groups;
  }

  /**
   * The shard key of a query context: `context.shardKey`, else the field named by the manager's
   * `shardKeyField` (so a GraphQL context `{ tenantId }` routes as is). `SHARD_KEY_REQUIRED` if none.
   */
  keyOf(context: Readonly<Record<string, unknown>>): ShardKey {
    const key = context.shardKey ?? context[this.manager.shardKeyField];
    if (typeof key === 'string' ? key === '' : typeof key !== 'number' && !(key instanceof Date))
      throw keyRequired(key, this.manager.shardKeyField);
    return key as ShardKey;
  }

  /** The stored shard map routing follows, when there is one (see `ShardMapFollower`). */
  get map(): ShardMap | undefined {
    return this.#map;
  }

  /** The stored map's placement of `key` (a pinned, moving or fenced tenant), if any. */
  placement(key: ShardKey): TenantPlacement | undefined {
    return this.#map?.placement(key);
  }

  /**
   * Routes by a version of the stored shard map: its ring and placements, over every shard it
   * lists (the manager must have them all). Versions only go forward.
   */
  applyMap(map: ShardMap): void {
    if (this.#map && map.version <= this.#map.version) return;
    this.switchTo(map, map.shardIds);
    this.#map = map;
    const waiters = this.#mapWaiters;
    this.#mapWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves true at the next map version applied, or false after `timeoutMs`. */
  nextMap(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let wake: () => void;
      const timer = setTimeout(() => {
        this.#mapWaiters = this.#mapWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#mapWaiters.push(wake);
    });
  }

  /** Replaces the routing (rebalancer only: call it with the fence closed over the moved keys). */
  switchTo(strategy: ShardingStrategy, shardIds: readonly string[]): void {
    for (const id of shardIds) this.manager.shard(id);
    this.#strategy = strategy;
    this.#shardIds = [...shardIds];
    this.#epoch++;
  }
}

function keyRequired(key: unknown, field = 'shardKey'): IntelGraphError {
  return new IntelGraphError(
    'SHARD_KEY_REQUIRED',
    `a shard key is required (context.shardKey or context.${field}); got ${key === undefined ? 'none' : JSON.stringify(key)}`,
    { input: key },
  );
}
