import { IntelGraphError } from '@intelgraph/errors';
import type { ShardConfig } from '../config/shard-manager-options.js';
import { redactUrl } from '../config/shard-manager-options.js';
import type { ShardMapSnapshot } from './shard-map.js';

export interface AgreementOptions {
  /** Name of the setting in messages. Default `DATABASE_SHARDS`. */
  readonly variable?: string;
  /**
   * Compare primary and replica URLs too (default). Off for embedded shards, whose loopback
   * ports change at every start: only the shard ids must agree there.
   */
  readonly compareUrls?: boolean;
}

/**
 * A connection string as the map compares it: the password is left out (credentials rotate
 * without moving a shard), host lower-cased, the default port made explicit, parameters sorted.
 */
export function comparableUrl(url: string): string {
  try {
    const u = new URL(url);
    const params = [...u.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `postgres://${decodeURIComponent(u.username)}@${u.hostname.toLowerCase()}:${u.port || '5432'}${u.pathname}?${new URLSearchParams(params)}`;
  } catch {
    return url;
  }
}

/**
 * What `configured` (e.g. `DATABASE_SHARDS`) says that the stored map does not: shards the
 * map lacks (routing would send tenants to a shard that holds none of their rows), shards the
 * map has and the setting lacks (their tenants would be routed elsewhere), different primaries
 * or replicas. Empty when they agree.
 */
export function shardMapDisagreements(
  map: ShardMapSnapshot,
  configured: readonly ShardConfig[],
  options: AgreementOptions = {},
): string[] {
  const variable = options.variable ?? 'DATABASE_SHARDS';
  const compareUrls = options.compareUrls ?? true;
  const problems: string[] = [];
  const stored = new Map(map.shards.map((s) => [s.id, s]));
  const given = new Set<string>();
  configured.forEach((shard, i) => {
    given.add(shard.id);
    const known = stored.get(shard.id);
    if (!known) {
      problems.push(
        `${variable}[${i}] names shard '${shard.id}', which the stored shard map (version ${map.version}) does not have: add a shard with \`intelgraph-shards add\` (it plans and moves the tenants the new ring gives it), never by editing ${variable} alone`,
      );
      return;
    }
    if (!compareUrls) return;
    if (comparableUrl(shard.primary) !== comparableUrl(known.primary))
      problems.push(
        `${variable}[${i}] shard '${shard.id}': primary ${String(redactUrl(shard.primary))} differs from the stored ${String(redactUrl(known.primary))}`,
      );
    const mine = (shard.replicas ?? []).map(comparableUrl).sort();
    const theirs = (known.replicas ?? []).map(comparableUrl).sort();
    if (mine.join('\n') !== theirs.join('\n'))
      problems.push(
        `${variable}[${i}] shard '${shard.id}': replicas [${(shard.replicas ?? []).map((u) => String(redactUrl(u))).join(', ')}] differ from the stored [${(known.replicas ?? []).map((u) => String(redactUrl(u))).join(', ')}]`,
      );
  });
  for (const shard of map.shards) {
    if (!given.has(shard.id))
      problems.push(
        `the stored shard map (version ${map.version}) has shard '${shard.id}' (${shard.state}), which ${variable} lacks: its tenants would be routed to other shards`,
      );
  }
  return problems;
}

/** Throws `SHARD_MAP_MISMATCH` listing every disagreement (see `shardMapDisagreements`). */
export function assertShardMapAgreement(
  map: ShardMapSnapshot,
  configured: readonly ShardConfig[],
  options: AgreementOptions = {},
): void {
  const problems = shardMapDisagreements(map, configured, options);
  if (problems.length === 0) return;
  const variable = options.variable ?? 'DATABASE_SHARDS';
  throw new IntelGraphError(
    'SHARD_MAP_MISMATCH',
    `${variable} disagrees with the stored shard map (version ${map.version}); refusing to start:\n  ${problems.join('\n  ')}\n  The stored map is the truth: unset ${variable} to follow it, or set it to what \`intelgraph-shards status --json\` shows.`,
    {
      input: configured.map((s) => s.id),
      details: { variable, mapVersion: map.version, storedShards: map.shards.map((s) => s.id), problems },
    },
  );
}
