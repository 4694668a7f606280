import { IntelGraphError } from '@intelgraph/errors';
import { parseDatabaseShards } from '../config/database-shards.js';
import { DEFAULTS, redactUrl } from '../config/shard-manager-options.js';
import { awaitInstances } from '../topology/await-instances.js';
import { ShardMap } from '../topology/shard-map.js';
import { shardMapDisagreements } from '../topology/shard-map-agreement.js';
import { type CliArgs, intOption, option, requireOption, UsageError } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { type CommandResult, EXIT } from './command-result.js';
import { takeCensus } from './tenant-census.js';

/** Waits (unless --no-wait) for the live instances to apply `version`; the ones behind, if any. */
async function settle(ctx: CliContext, args: CliArgs, version: number): Promise<string[]> {
  if (args.flags.has('no-wait')) return [];
  const timeoutMs = intOption(args, 'wait-ms', 30_000);
  ctx.progress(`waiting for the live instances to apply version ${version}…`);
  return awaitInstances(ctx.store, version, { timeoutMs });
}

/** `init --shards <DATABASE_SHARDS JSON>`: stores the first map (a map already stored must agree). */
export async function initCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const shards = parseDatabaseShards(requireOption(args, 'shards'), '--shards');
  await ctx.store.migrate();
  const existing = await ctx.store.load();
  if (existing) {
    const problems = shardMapDisagreements(existing, shards, { variable: '--shards' });
    return {
      result: { version: existing.version, initialised: false, problems },
      text: problems.length
        ? `a map is stored already (version ${existing.version}) and disagrees:\n  ${problems.join('\n  ')}`
        : `a map is stored already (version ${existing.version}) and agrees`,
      exitCode: problems.length ? EXIT.failed : EXIT.ok,
    };
  }
  const snapshot = await ctx.store.initialize({
    virtualNodes: intOption(args, 'virtual-nodes', DEFAULTS.virtualNodes),
    shards,
  });
  return {
    result: { version: snapshot.version, initialised: true, shards: snapshot.shards.map((s) => s.id) },
    text: `shard map initialised: version ${snapshot.version}, shards ${snapshot.shards.map((s) => s.id).join(', ')}`,
    exitCode: EXIT.ok,
  };
}

/**
 * `add <id> --primary <url> [--replica <url>]… [--region <r>]`: the shard joins the map as
 * `pending` — off the ring, nothing routed to it. Services following the map open it and run
 * their migrations there (waited for); `rebalance` then moves the tenants the next ring gives it.
 */
export async function addCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('add needs a shard id');
  const primary = requireOption(args, 'primary');
  const replicas = [...(args.options.get('replica') ?? [])];
  const region = option(args, 'region');
  const shard = { id, primary, replicas, ...(region ? { region } : {}) };
  // Validated like DATABASE_SHARDS (id form, postgres:// URLs).
  parseDatabaseShards(JSON.stringify([shard]), 'add');
  const snapshot = await ctx.store.change(`add shard ${id} (pending)`, async (c) => {
    await c.addShard(shard, 'pending');
    return { shard: id };
  });
  const behind = await settle(ctx, args, snapshot.version);
  return {
    result: { version: snapshot.version, shard: id, state: 'pending', instancesBehind: behind },
    text: `shard ${id} added (pending, off the ring) at version ${snapshot.version}${behind.length ? `; instances not yet on it: ${behind.join(', ')}` : '; every live instance has opened and migrated it'}\nnext: intelgraph-shards plan, then intelgraph-shards rebalance`,
    exitCode: behind.length ? EXIT.attention : EXIT.ok,
  };
}

/**
 * `drain <id>`: the shard leaves the ring; its tenants are pinned where they are (nothing moves
 * yet) with the shard the next ring gives each as their target. `rebalance` moves them off;
 * `remove` deletes the shard from the map once it is empty.
 */
export async function drainCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('drain needs a shard id');
  const before = await ctx.snapshot();
  const shard = before.shards.find((s) => s.id === id);
  if (!shard) throw new IntelGraphError('CONFIG_INVALID', `no shard '${id}' in the shard map`, { input: id });
  if (before.shards.filter((s) => s.state === 'active' && s.id !== id).length === 0)
    throw new IntelGraphError('SHARD_MAP_CONFLICT', `'${id}' is the last active shard: add another first`, {
      input: id,
    });
  const census = await takeCensus(await ctx.manager(), await ctx.tables(), [id]);
  const tenants = [...(census.get(id)?.keys() ?? [])];
  const snapshot = await ctx.store.change(
    `drain ${id}`,
    async (c) => {
      const map = new ShardMap(c.before);
      const next = new ShardMap({
        ...c.before,
        shards: c.before.shards.map((s) => (s.id === id ? { ...s, state: 'draining' as const } : s)),
        placements: [],
      });
      let pinned = 0;
      for (const tenant of tenants) {
        if (map.route(tenant) !== id || map.placement(tenant)) continue;
        await c.place({ tenant, shardId: id, state: 'pinned', targetShardId: next.ringOwner(tenant) });
        pinned++;
      }
      await c.setShardState(id, 'draining');
      return { shard: id, pinned };
    },
    { expectedVersion: before.version },
  );
  const behind = await settle(ctx, args, snapshot.version);
  return {
    result: {
      version: snapshot.version,
      shard: id,
      state: 'draining',
      tenants: tenants.length,
      instancesBehind: behind,
    },
    text: `shard ${id} is draining (off the ring) at version ${snapshot.version}; ${tenants.length} tenants pinned there until moved\nnext: intelgraph-shards rebalance, then intelgraph-shards remove ${id}`,
    exitCode: EXIT.ok,
  };
}

/** `remove <id>`: deletes a shard that is not on the ring and holds no tenant's rows. */
export async function removeCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const [id] = args.positionals;
  if (!id) throw new UsageError('remove needs a shard id');
  const before = await ctx.snapshot();
  const shard = before.shards.find((s) => s.id === id);
  if (!shard) throw new IntelGraphError('CONFIG_INVALID', `no shard '${id}' in the shard map`, { input: id });
  if (shard.state === 'active')
    throw new IntelGraphError('SHARD_MAP_CONFLICT', `shard '${id}' is on the ring: drain it first`, {
      input: id,
    });
  const placed = before.placements.filter((p) => p.shardId === id || p.targetShardId === id);
  const census = await takeCensus(await ctx.manager(), await ctx.tables(), [id]);
  const rows = [...(census.get(id)?.values() ?? [])].reduce((a, b) => a + b, 0);
  if (placed.length > 0 || rows > 0)
    throw new IntelGraphError(
      'SHARD_MAP_CONFLICT',
      `shard '${id}' still has ${rows} rows and ${placed.length} placed tenants: rebalance first`,
      { input: id, details: { rows, placements: placed.map((p) => p.tenant) } },
    );
  const snapshot = await ctx.store.change(`remove shard ${id}`, async (c) => c.removeShard(id), {
    expectedVersion: before.version,
  });
  return {
    result: { version: snapshot.version, removed: id, primary: redactUrl(shard.primary) },
    text: `shard ${id} removed from the map at version ${snapshot.version} (its database is untouched)`,
    exitCode: EXIT.ok,
  };
}
