import { IntelGraphError } from '@intelgraph/errors';
import { ConsistentHashRing } from './consistent-hash-ring.js';
import { keyString, type RouteHint, type ShardingStrategy, type ShardKey } from './sharding-strategy.js';

export interface GeoStrategyOptions {
  /** Region of a key when the caller gives none (e.g. parsed from the tenant id). */
  readonly regionOf?: (key: string) => string | undefined;
  /** Region used when neither the hint nor `regionOf` gives one. None: such a key is an error. */
  readonly defaultRegion?: string;
}

/**
 * Data locality: the shards of one region form a group; a key goes to its region's group and,
 * inside it, to a shard by consistent hashing (so a region can grow without moving other regions).
 */
export class GeoStrategy implements ShardingStrategy {
  readonly name = 'geo';
  readonly #groups = new Map<string, ConsistentHashRing>();
  readonly #options: GeoStrategyOptions;

  constructor(
    shards: ReadonlyArray<{ id: string; region: string | undefined }>,
    virtualNodes: number,
    options: GeoStrategyOptions = {},
  ) {
    const byRegion = new Map<string, string[]>();
    for (const s of shards) {
      const region = s.region ?? '';
      byRegion.set(region, [...(byRegion.get(region) ?? []), s.id]);
    }
    for (const [region, ids] of byRegion) this.#groups.set(region, new ConsistentHashRing(ids, virtualNodes));
    this.#options = options;
  }

  get regions(): string[] {
    return [...this.#groups.keys()];
  }

  route(key: ShardKey, hint?: RouteHint): string {
    const k = keyString(key);
    const region = hint?.region ?? this.#options.regionOf?.(k) ?? this.#options.defaultRegion;
    const ring = region === undefined ? undefined : this.#groups.get(region);
    if (!ring) {
      throw new IntelGraphError(
        'SHARD_REGION_UNKNOWN',
        region === undefined
          ? `no region for shard key ${JSON.stringify(k)} (pass one, or configure regionOf/defaultRegion)`
          : `no shard group for region '${region}' (regions: ${this.regions.join(', ')})`,
        { input: { key: k, region }, details: { regions: this.regions } },
      );
    }
    return ring.lookup(k);
  }
}
