import { IntelGraphError } from '@intelgraph/errors';
import { type MoveProgress, type MoveReport, TenantMover } from '../move/tenant-mover.js';
import { awaitInstances } from '../topology/await-instances.js';
import { ShardMap } from '../topology/shard-map.js';
import { type CliArgs, intOption, requireOption, UsageError } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { type CommandResult, EXIT } from './command-result.js';
import { planRebalance } from './rebalance-plan.js';
import { takeCensus } from './tenant-census.js';

async function mover(ctx: CliContext, args: CliArgs): Promise<TenantMover> {
  let lastCopyLine = 0;
  const onProgress = (e: MoveProgress): void => {
    if (e.kind === 'phase') ctx.progress(`  ${e.tenant}: ${e.phase}`);
    else if (e.copiedRows === e.totalRows || Date.now() - lastCopyLine > 1000) {
      lastCopyLine = Date.now();
      ctx.progress(`  ${e.tenant}: copy ${e.table} ${e.copiedRows}/${e.totalRows}`);
    }
  };
  return new TenantMover({
    store: ctx.store,
    manager: await ctx.manager(),
    batchSize: intOption(args, 'batch-size', 1000),
    switchAckTimeoutMs: intOption(args, 'wait-ms', 30_000),
    onProgress,
  });
}

function reportText(r: MoveReport): string {
  return `moved ${r.tenant}: ${r.source} → ${r.target}${r.resumed ? ' (resumed)' : ''}: ${r.copiedRows} rows copied (${r.copyRowsPerSecond} rows/s), ${r.replayedChanges} changes replayed, ${r.outboxRowsMoved} outbox rows moved, cut-over ${r.cutoverMs} ms, verified ${r.verified.filter((v) => v.equal).length}/${r.verified.length} tables, ${r.deletedSourceRows} source rows deleted`;
}

/** `plan`: which tenants a rebalance moves, from where to where, and how many rows. */
export async function planCommand(ctx: CliContext): Promise<CommandResult> {
  const snapshot = await ctx.snapshot();
  const census = await takeCensus(
    await ctx.manager(),
    await ctx.tables(),
    snapshot.shards.map((s) => s.id),
  );
  const plan = planRebalance(snapshot, census);
  const moving = plan.moves.reduce((a, m) => a + m.rows, 0);
  return {
    result: { ...plan, movingRows: moving },
    text: [
      `map version ${plan.version}; ring ${plan.ring.current.join(', ')}${plan.ringChanges ? ` → ${plan.ring.next.join(', ')}` : ' (unchanged)'}`,
      `${plan.moves.length} of ${plan.tenants} tenants move, ${moving} of ${plan.rows} rows`,
      ...plan.moves.map((m) => `  ${m.tenant}: ${m.from} → ${m.to} (${m.rows} rows)`),
      ...(plan.strays.length
        ? [
            `rows on a shard their tenant is not routed to: ${plan.strays.map((s) => `${s.tenant}@${s.shard}(${s.rows})`).join(', ')}`,
          ]
        : []),
    ].join('\n'),
    exitCode: plan.strays.length ? EXIT.attention : EXIT.ok,
  };
}

/** `move <tenant> --to <shard> [--dry-run]`: one tenant's whole footprint, online; resumes an unfinished move of it. */
export async function moveCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const [tenant] = args.positionals;
  if (!tenant) throw new UsageError('move needs a tenant');
  const to = requireOption(args, 'to');
  const snapshot = await ctx.snapshot();
  const from = new ShardMap(snapshot).route(tenant);
  if (args.flags.has('dry-run')) {
    const manager = await ctx.manager();
    const tables = await ctx.tables();
    const sizes = await Promise.all(
      tables.map(async (t) => ({
        table: t.spec.table,
        ...(await t.size(manager.shard(from).primary.pool, tenant)),
      })),
    );
    const rows = sizes.reduce((a, s) => a + s.rows, 0);
    return {
      result: {
        dryRun: true,
        tenant,
        from,
        to,
        rows,
        bytes: sizes.reduce((a, s) => a + s.bytes, 0),
        tables: sizes,
      },
      text: `would move ${tenant}: ${from} → ${to}, ${rows} rows in ${tables.length} tables`,
      exitCode: EXIT.ok,
    };
  }
  ctx.progress(`moving ${tenant}: ${from} → ${to}`);
  const report = await (await mover(ctx, args)).move(tenant, to);
  return { result: { ...report }, text: reportText(report), exitCode: EXIT.ok };
}

/** `resume [<move id>]`: continues unfinished moves (all of them, or one) from their journaled phase. */
export async function resumeCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const m = await mover(ctx, args);
  const ids = args.positionals.length
    ? args.positionals
    : (await m.journal.list({ unfinishedOnly: true })).map((r) => r.id);
  const reports: MoveReport[] = [];
  for (const id of ids) {
    ctx.progress(`resuming move ${id}`);
    reports.push(await m.resume(id));
  }
  return {
    result: { resumed: reports },
    text: reports.length ? reports.map(reportText).join('\n') : 'no unfinished move',
    exitCode: EXIT.ok,
  };
}

/**
 * `rebalance [--dry-run]`: pending shards join the ring and draining ones leave it, without
 * moving anyone yet — every tenant whose owner changes is pinned where it is, with its new owner
 * as target, in the same map version — then each such tenant is moved, one after another.
 * Resumable: run it again after a crash; moved tenants are no longer in the plan, an unfinished
 * move resumes.
 */
export async function rebalanceCommand(ctx: CliContext, args: CliArgs): Promise<CommandResult> {
  const manager = await ctx.manager();
  const tables = await ctx.tables();
  let snapshot = await ctx.snapshot();
  let census = await takeCensus(
    manager,
    tables,
    snapshot.shards.map((s) => s.id),
  );
  let plan = planRebalance(snapshot, census);
  if (args.flags.has('dry-run')) {
    return {
      result: { dryRun: true, ...plan },
      text: `would move ${plan.moves.length} tenants (${plan.moves.reduce((a, m) => a + m.rows, 0)} rows); ring ${plan.ring.current.join(', ')} → ${plan.ring.next.join(', ')}`,
      exitCode: EXIT.ok,
    };
  }
  if (plan.ringChanges) {
    ctx.progress(
      `ring ${plan.ring.current.join(', ')} → ${plan.ring.next.join(', ')}: pinning ${plan.moves.length} tenants in place`,
    );
    snapshot = await ctx.store.change(
      'rebalance: ring change, tenants pinned until moved',
      async (c) => {
        for (const m of plan.moves)
          if (!c.before.placements.some((p) => p.tenant === m.tenant))
            await c.place({ tenant: m.tenant, shardId: m.from, state: 'pinned', targetShardId: m.to });
        for (const s of c.before.shards) if (s.state === 'pending') await c.setShardState(s.id, 'active');
        return { ring: plan.ring.next, pinned: plan.moves.length };
      },
      { expectedVersion: snapshot.version },
    );
    await awaitInstances(ctx.store, snapshot.version, { timeoutMs: intOption(args, 'wait-ms', 30_000) });
    // A tenant whose first rows were written between the census and the ring change is routed
    // by the new ring now, away from its rows: pin it back to them.
    census = await takeCensus(
      manager,
      tables,
      snapshot.shards.map((s) => s.id),
    );
    const strays = planRebalance(snapshot, census).strays;
    const split = strays.filter((s) => census.get(new ShardMap(snapshot).route(s.tenant))?.has(s.tenant));
    if (split.length > 0)
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `tenants written on two shards during the ring change: ${split.map((s) => s.tenant).join(', ')}`,
        { details: { switched: true, split } },
      );
    if (strays.length > 0)
      snapshot = await ctx.store.change(
        'rebalance: pin tenants created during the ring change',
        async (c) => {
          const next = new ShardMap(c.before);
          for (const s of strays)
            await c.place({
              tenant: s.tenant,
              shardId: s.shard,
              state: 'pinned',
              targetShardId: next.ringOwner(s.tenant),
            });
        },
      );
    plan = planRebalance(snapshot, census);
  }
  const m = await mover(ctx, args);
  const reports: MoveReport[] = [];
  const failed: Array<{ tenant: string; code: string; message: string }> = [];
  for (const [i, planned] of plan.moves.entries()) {
    ctx.progress(
      `[${i + 1}/${plan.moves.length}] ${planned.tenant}: ${planned.from} → ${planned.to} (${planned.rows} rows)`,
    );
    try {
      reports.push(await m.move(planned.tenant, planned.to));
    } catch (error) {
      const coded = IntelGraphError.is(error) ? error : undefined;
      failed.push({
        tenant: planned.tenant,
        code: coded?.code ?? 'INTERNAL_ERROR',
        message: (error as Error).message,
      });
      ctx.progress(`  ${planned.tenant}: failed: ${(error as Error).message}`);
    }
  }
  const cutovers = reports.map((r) => r.cutoverMs).sort((a, b) => a - b);
  return {
    result: {
      version: (await ctx.snapshot()).version,
      ring: plan.ring.next,
      moved: reports,
      failed,
      copiedRows: reports.reduce((a, r) => a + r.copiedRows, 0),
      maxCutoverMs: cutovers.at(-1) ?? 0,
    },
    text: [
      ...reports.map(reportText),
      `${reports.length} tenants moved, ${failed.length} failed${failed.length ? ': run `intelgraph-shards rebalance` again to retry' : ''}`,
    ].join('\n'),
    exitCode: failed.length ? EXIT.failed : EXIT.ok,
  };
}
