import { MoveJournal } from '../move/move-journal.js';
import { ShardMap } from '../topology/shard-map.js';
import type { CliArgs } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { type CommandResult, EXIT } from './command-result.js';
import { takeCensus } from './tenant-census.js';

/**
 * `verify [<tenant>…]` (all tenants without one): row counts and checksums per tenant and table
 * on every shard that holds rows of it. A tenant passes when its rows are only on the shard the
 * map routes it to — or, while it moves, on that shard and its target (then the two are
 * compared). The verification recorded at each finished move's cut-over (source against target)
 * is shown with it. Exit 3 when a tenant fails.
 */
export async function verifyCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const snapshot = await ctx.snapshot();
  const map = new ShardMap(snapshot);
  const manager = await ctx.manager();
  const tables = await ctx.tables();
  const census = await takeCensus(
    manager,
    tables,
    snapshot.shards.map((s) => s.id),
  );
  const all = new Set<string>();
  for (const tenants of census.values()) for (const t of tenants.keys()) all.add(t);
  const tenants = args.positionals.length ? [...args.positionals] : [...all].sort();
  const journal = new MoveJournal(ctx.store.pool, ctx.store.schema);
  const recentMoves = await journal.list({ limit: 1000 });
  const results = [];
  for (const tenant of tenants) {
    const routed = map.route(tenant);
    const placement = map.placement(tenant);
    const moving = placement && placement.state !== 'pinned' ? placement.targetShardId : undefined;
    const holding = [...census].filter(([, t]) => t.has(tenant)).map(([shard]) => shard);
    const allowed = new Set([routed, ...(moving ? [moving] : [])]);
    const tablesReport = [];
    for (const table of tables) {
      const perShard: Record<string, { rows: number; checksum: string }> = {};
      for (const shard of holding) {
        const pool = manager.shard(shard).primary.pool;
        if (await table.exists(pool)) perShard[shard] = await table.checksum(pool, tenant);
      }
      tablesReport.push({ table: table.spec.table, shards: perShard });
    }
    const stray = holding.filter((s) => !allowed.has(s));
    const inMoveDiffers =
      moving !== undefined &&
      holding.includes(moving) &&
      tablesReport.some((t) => JSON.stringify(t.shards[routed]) !== JSON.stringify(t.shards[moving]));
    const lastMove = recentMoves.find((m) => m.tenant === tenant && m.phase === 'done');
    results.push({
      tenant,
      shard: routed,
      placement: placement?.state,
      holding,
      ok: stray.length === 0,
      stray,
      ...(moving ? { moving: { to: moving, copyComplete: !inMoveDiffers } } : {}),
      tables: tablesReport,
      ...(lastMove
        ? {
            lastMove: {
              id: lastMove.id,
              from: lastMove.source,
              to: lastMove.target,
              verified: lastMove.detail.verified,
            },
          }
        : {}),
    });
  }
  const failed = results.filter((r) => !r.ok);
  return {
    result: { version: snapshot.version, tenants: results.length, failed: failed.length, results },
    text: [
      ...results.map(
        (r) =>
          `${r.ok ? 'ok  ' : 'FAIL'} ${r.tenant} on ${r.shard}${r.placement ? ` (${r.placement})` : ''}: ${r.tables
            .map(
              (t) =>
                `${t.table}=${
                  Object.entries(t.shards)
                    .map(([s, v]) => `${s}:${v.rows}/${v.checksum.slice(0, 8)}`)
                    .join('|') || '0'
                }`,
            )
            .join(' ')}${r.stray.length ? ` — rows on ${r.stray.join(', ')}` : ''}`,
      ),
      `${results.length - failed.length}/${results.length} tenants verified`,
    ].join('\n'),
    exitCode: failed.length ? EXIT.attention : EXIT.ok,
  };
}
