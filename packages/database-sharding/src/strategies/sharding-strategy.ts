/** A shard key: the tenant id, a timestamp for time series, … */
export type ShardKey = string | number | Date;

/** Extra facts a strategy may use (the geo strategy reads the region). */
export interface RouteHint {
  readonly region?: string;
}

/** Maps a key to the id of the shard that owns it. Pure and synchronous. */
export interface ShardingStrategy {
  readonly name: 'hash' | 'range' | 'geo';
  route(key: ShardKey, hint?: RouteHint): string;
}

/** The canonical string form of a key (hash input). */
export function keyString(key: ShardKey): string {
  return key instanceof Date ? key.toISOString() : typeof key === 'string' ? key : String(key);
}
