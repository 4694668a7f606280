import { redactUrl } from '../config/shard-manager-options.js';
import { MoveJournal } from '../move/move-journal.js';
import type { CliContext } from './cli-context.js';
import { type CommandResult, EXIT } from './command-result.js';
import { takeCensus } from './tenant-census.js';

/**
 * `status`: the map (version, shards and their state), each shard's health (primary, replicas,
 * lag), tenants and rows per shard, placements, unfinished moves, and the instances following
 * the map with the version each applied. Exit 3 when a shard is not ok, a move is unfinished or
 * a live instance is behind.
 */
export async function statusCommand(ctx: CliContext): Promise<CommandResult> {
  const snapshot = await ctx.snapshot();
  const manager = await ctx.manager();
  const tables = await ctx.tables();
  const census = await takeCensus(
    manager,
    tables,
    snapshot.shards.map((s) => s.id),
  );
  const availability = new Map(
    manager.availability(snapshot.shards.map((s) => s.id)).map((a) => [a.shardId, a]),
  );
  const health = manager.health();
  const shards = snapshot.shards.map((s) => {
    const tenants = census.get(s.id) ?? new Map<string, number>();
    return {
      id: s.id,
      state: s.state,
      primary: redactUrl(s.primary),
      replicas: (s.replicas ?? []).map((r) => redactUrl(r)),
      health: availability.get(s.id)?.status,
      nodes: health
        .filter((h) => h.shardId === s.id)
        .map((h) => ({
          node: h.node,
          role: h.role,
          status: h.status,
          inRecovery: h.inRecovery,
          lagMs: h.lagMs,
        })),
      tenants: tenants.size,
      rows: [...tenants.values()].reduce((a, b) => a + b, 0),
    };
  });
  const journal = new MoveJournal(ctx.store.pool, ctx.store.schema);
  const moves = (await journal.list({ unfinishedOnly: true })).map((m) => ({
    id: m.id,
    tenant: m.tenant,
    from: m.source,
    to: m.target,
    phase: m.phase,
    copiedRows: m.copiedRows,
    updatedAt: m.updatedAt.toISOString(),
  }));
  const instances = (await ctx.store.liveInstances(15_000)).map((i) => ({
    instance: i.instanceId,
    service: i.service,
    appliedVersion: i.appliedVersion,
    seenAt: i.seenAt.toISOString(),
  }));
  const behind = instances.filter((i) => i.appliedVersion < snapshot.version);
  const attention = shards.some((s) => s.health !== 'ok') || moves.length > 0 || behind.length > 0;
  const result = {
    version: snapshot.version,
    virtualNodes: snapshot.virtualNodes,
    ring: snapshot.shards.filter((s) => s.state === 'active').map((s) => s.id),
    shards,
    placements: snapshot.placements,
    moves,
    instances,
    footprint: tables.map((t) => ({ service: t.spec.service, table: t.spec.table, kind: t.spec.kind })),
  };
  const lines = [
    `shard map version ${snapshot.version} (ring: ${result.ring.join(', ')}; ${snapshot.virtualNodes} virtual nodes)`,
    ...shards.map(
      (s) =>
        `  ${s.id.padEnd(12)} ${s.state.padEnd(9)} ${String(s.health).padEnd(11)} ${String(s.tenants).padStart(6)} tenants ${String(s.rows).padStart(9)} rows  ${s.nodes.map((n) => `${n.node}:${n.status}${n.lagMs !== undefined ? `(${n.lagMs}ms)` : ''}`).join(' ')}`,
    ),
    `placements: ${snapshot.placements.length === 0 ? 'none' : snapshot.placements.map((p) => `${p.tenant}→${p.shardId} ${p.state}${p.targetShardId ? `→${p.targetShardId}` : ''}`).join(', ')}`,
    `moves pending: ${moves.length === 0 ? 'none' : moves.map((m) => `${m.tenant} ${m.from}→${m.to} ${m.phase} (${m.id})`).join(', ')}`,
    `instances: ${instances.length} live${behind.length > 0 ? `, behind: ${behind.map((i) => `${i.instance}@v${i.appliedVersion}`).join(', ')}` : ', all on this version'}`,
  ];
  return { result, text: lines.join('\n'), exitCode: attention ? EXIT.attention : EXIT.ok };
}
