import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type pg from 'pg';
import type { ShardManager } from '../shard-manager.js';
import { awaitInstances } from '../topology/await-instances.js';
import { ShardMap, type TenantPlacement } from '../topology/shard-map.js';
import type { FootprintTable, ShardMapStore } from '../topology/shard-map-store.js';
import {
  bypassingCapture,
  clearTombstone,
  fenceTenant,
  forgetLogEntries,
  installMoveCapture,
  logHead,
  readMoveLog,
  releaseTenant,
  tombstoneTenant,
} from './move-capture.js';
import { type MoveDetail, MoveJournal, type MoveRecord } from './move-journal.js';
import { moveOutbox } from './move-outbox.js';
import { TenantTable } from './tenant-table.js';

export interface TenantMoverOptions {
  readonly store: ShardMapStore;
  /** Pools for every shard of the map (the mover writes on primaries, waits on replicas). */
  readonly manager: ShardManager;
  /** Rows per copy batch. Default 1000. */
  readonly batchSize?: number;
  /** The online catch-up stops when a round replays fewer changes than this. Default 50. */
  readonly catchUpThreshold?: number;
  /** At most this many online catch-up rounds before fencing. Default 20. */
  readonly maxCatchUpRounds?: number;
  /** How long the fence waits for the tenant's running writes. Default 2000 ms. */
  readonly fenceLockTimeoutMs?: number;
  /** How long to wait for live instances to apply the fenced version before fencing in SQL. Default 2000 ms. */
  readonly fenceAckTimeoutMs?: number;
  /** How long to wait for live instances to apply the switch before deleting the source rows. Default 30000 ms. */
  readonly switchAckTimeoutMs?: number;
  /** An instance seen within this is live (must apply versions). Default 15000 ms. */
  readonly liveWithinMs?: number;
  /** How long to wait for the target's replicas to replay the copy before switching. Default 5000 ms. */
  readonly replicaWaitMs?: number;
  readonly onProgress?: (event: MoveProgress) => void;
}

export type MoveProgress =
  | { readonly kind: 'phase'; readonly moveId: string; readonly tenant: string; readonly phase: string }
  | {
      readonly kind: 'copy';
      readonly moveId: string;
      readonly tenant: string;
      readonly table: string;
      readonly copiedRows: number;
      readonly totalRows: number;
    };

/**
 * How one table of the footprint was verified: every row's hash compared online (source against
 * target, before the fence), then — with writes stopped — the row counts and the rows that
 * differed then or changed since, compared again.
 */
export interface TableCheck {
  readonly table: string;
  readonly sourceRows: number;
  readonly targetRows: number;
  /** Rows whose hashes were compared online. */
  readonly compared: number;
  /** Rows compared again in the fence (different online, or changed since). */
  readonly rechecked: number;
  readonly equal: boolean;
}

/** Table → primary keys (`TenantTable.pkString`) to compare again in the fence. */
type Suspects = Map<string, Set<string>>;

export interface MoveReport {
  readonly moveId: string;
  readonly tenant: string;
  readonly source: string;
  readonly target: string;
  /** The move continued one that had stopped (a crash, an interrupted command). */
  readonly resumed: boolean;
  readonly copiedRows: number;
  readonly copyMs: number;
  readonly copyRowsPerSecond: number;
  readonly replayedChanges: number;
  readonly catchUpRounds: number;
  readonly outboxRowsMoved: number;
  /** From the map's `fenced` version to its switch: the longest a write of the tenant waited. */
  readonly cutoverMs: number;
  /** Where the cut-over went (ms): instances applying `fenced`, the SQL fence, the last replay, the outbox, verification, replicas, the switch. */
  readonly cutoverSteps: Readonly<Record<string, number>>;
  readonly verified: readonly TableCheck[];
  readonly deletedSourceRows: number;
  readonly switchedVersion: number;
}

/**
 * Moves one tenant's whole footprint — every table the services registered: their rows and
 * projections, the event store's streams, events and snapshots, unsent outbox rows — from the
 * shard the map routes it to onto another, online, resumable after a crash at any point.
 *
 * 1. **Place** `moving` in the map (routing unchanged), journal the move, clear a tombstone the
 *    target may hold for the tenant.
 * 2. **Capture** on the source (`move-capture.ts`): every later write of the tenant is logged.
 * 3. **Copy** each table in primary-key batches (upserts; the cursor is journaled per batch, so a
 *    resumed copy continues where it stopped, and a batch copied twice changes nothing).
 * 4. **Catch up** from the log (current source rows upserted, vanished ones deleted) until small.
 * 5. **Fence**: the map says `fenced` (instances hold the tenant's writes, ≤ their fence wait,
 *    then answer `TENANT_MOVING`); once the live instances applied it, the SQL fence on the
 *    source waits for the tenant's running writes and refuses later ones. The rest of the log is
 *    replayed, unsent outbox rows move, every table is verified (count + checksum, source against
 *    target), the target's replicas replay the copy.
 * 6. **Switch** the map to the target (instances then write there), wait until every live
 *    instance applied it, delete the source rows; the fence stays on the source as a tombstone.
 *
 * A failure before the switch abandons the move: the target's copy is deleted, the fence
 * released, the previous placement restored. After the switch, only cleanup remains, and resuming
 * finishes it.
 */
export class TenantMover {
  readonly #o: Required<Omit<TenantMoverOptions, 'onProgress'>> & Pick<TenantMoverOptions, 'onProgress'>;
  readonly journal: MoveJournal;

  constructor(options: TenantMoverOptions) {
    this.#o = {
      batchSize: 1000,
      catchUpThreshold: 50,
      maxCatchUpRounds: 20,
      fenceLockTimeoutMs: 2000,
      fenceAckTimeoutMs: 2000,
      switchAckTimeoutMs: 30_000,
      liveWithinMs: 15_000,
      replicaWaitMs: 5000,
      ...options,
    };
    this.journal = new MoveJournal(options.store.pool, options.store.schema);
  }

  /** Tables of the footprint, each once (services sharing a table register it alike). */
  async tables(): Promise<TenantTable[]> {
    const seen = new Map<string, FootprintTable>();
    for (const t of await this.#o.store.footprint()) if (!seen.has(t.table)) seen.set(t.table, t);
    // Events before the outbox (an outbox row names its event), everything else first.
    const order = { rows: 0, streams: 1, snapshots: 1, events: 2, outbox: 3 } as const;
    return [...seen.values()].sort((a, b) => order[a.kind] - order[b.kind]).map((t) => new TenantTable(t));
  }

  /** Moves `tenant` to `targetShardId`, or resumes its unfinished move there. */
  async move(tenant: string, targetShardId: string): Promise<MoveReport> {
    const open = await this.journal.openFor(tenant);
    if (open) {
      if (open.target !== targetShardId)
        throw new IntelGraphError(
          'SHARD_MAP_CONFLICT',
          `tenant '${tenant}' is already moving to '${open.target}' (move ${open.id}): resume that move first`,
          { input: tenant, details: { moveId: open.id, target: open.target } },
        );
      return this.resume(open.id);
    }
    const snapshot = await this.#o.store.load();
    if (!snapshot) throw new IntelGraphError('SHARD_MAP_UNAVAILABLE', 'no shard map is stored');
    const map = new ShardMap(snapshot);
    if (!map.shard(targetShardId))
      throw new IntelGraphError('CONFIG_INVALID', `no shard '${targetShardId}' in the shard map`, {
        input: targetShardId,
      });
    const source = map.route(tenant);
    if (source === targetShardId)
      throw new IntelGraphError('CONFIG_INVALID', `tenant '${tenant}' is on '${source}' already`, {
        input: tenant,
      });
    const tables = await this.tables();
    if (tables.length === 0)
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        'no footprint is registered: start the services once against the shard map (they register their tables)',
      );
    await this.#withClient(targetShardId, async (target) => {
      for (const t of tables)
        if (!(await t.exists(target)))
          throw new IntelGraphError(
            'SHARD_REBALANCE_FAILED',
            `shard '${targetShardId}' has no table ${t.spec.table} (service ${t.spec.service}): the services migrate a shard when they follow the map after \`intelgraph-shards add\`; wait until they have`,
            {
              input: targetShardId,
              details: { shardId: targetShardId, table: t.spec.table, switched: false },
            },
          );
      await clearTombstone(target, tenant);
    });
    const previous = map.placement(tenant);
    const id = randomUUID();
    await this.journal.create({
      id,
      tenant,
      source,
      target: targetShardId,
      detail: {
        previousPlacement: previous ? { shardId: previous.shardId, state: previous.state } : null,
        cursors: {},
      },
    });
    await this.#o.store.change(
      `move ${tenant}: ${source} → ${targetShardId} (moving)`,
      async (c) => {
        const now = c.before.placements.find((p) => p.tenant === tenant);
        if (now && now.state !== 'pinned')
          throw new IntelGraphError('SHARD_MAP_CONFLICT', `tenant '${tenant}' is ${now.state} already`, {
            input: tenant,
          });
        await c.place({ tenant, shardId: source, state: 'moving', targetShardId, moveId: id });
        return { tenant, source, target: targetShardId, moveId: id };
      },
      { expectedVersion: snapshot.version },
    );
    return this.#run((await this.journal.get(id))!, false);
  }

  /** Continues a move from the phase it was journaled in. */
  async resume(moveId: string): Promise<MoveReport> {
    const record = await this.journal.get(moveId);
    if (!record) throw new IntelGraphError('CONFIG_INVALID', `no move '${moveId}'`, { input: moveId });
    if (record.finishedAt)
      throw new IntelGraphError('CONFIG_INVALID', `move '${moveId}' is ${record.phase} already`, {
        input: moveId,
      });
    return this.#run(record, true);
  }

  async #run(record: MoveRecord, resumed: boolean): Promise<MoveReport> {
    const { tenant, source, target, id } = record;
    const tables = await this.tables();
    const byName = new Map(tables.map((t) => [t.spec.table, t]));
    const stats: {
      copiedRows: number;
      copyMs: number;
      replayedChanges: number;
      catchUpRounds: number;
      outboxRowsMoved: number;
      cutoverMs: number;
      cutoverSteps: Record<string, number>;
      deletedSourceRows: number;
      switchedVersion: number;
      verified: TableCheck[];
      compared?: Map<string, number>;
    } = {
      copiedRows: record.copiedRows,
      copyMs: 0,
      replayedChanges: 0,
      catchUpRounds: 0,
      outboxRowsMoved: 0,
      cutoverMs: 0,
      cutoverSteps: {},
      deletedSourceRows: 0,
      switchedVersion: record.detail.switchedVersion ?? 0,
      verified: [],
    };
    const phase = (name: string): void =>
      this.#o.onProgress?.({ kind: 'phase', moveId: id, tenant, phase: name });
    const src = await this.#connect(source);
    const dst = await this.#connect(target);
    let current = record.phase;
    try {
      if (current === 'copy' || current === 'catch-up' || current === 'fenced') {
        try {
          phase('capture');
          await installMoveCapture(src, tables, tenant, id);
          if (current === 'copy') {
            phase('copy');
            const started = performance.now();
            await this.#copy(record, tables, src, dst, stats);
            stats.copyMs = performance.now() - started;
            await this.journal.update(id, { phase: 'catch-up' });
            current = 'catch-up';
          }
          if (current === 'catch-up') {
            phase('catch-up');
            for (let round = 0; round < this.#o.maxCatchUpRounds; round++) {
              stats.catchUpRounds++;
              const n = await this.#replay(id, byName, src, dst, true);
              stats.replayedChanges += n;
              if (n < this.#o.catchUpThreshold) break;
            }
          }
          // Every row compared online; only what differed or changed since is compared in the fence.
          const suspects =
            current === 'fenced' ? undefined : await this.#precheck(tables, tenant, src, dst, stats);
          // What the writers changed during the pre-check, replayed online too (and compared again later).
          if (suspects) stats.replayedChanges += await this.#replay(id, byName, src, dst, true, suspects);
          phase('fence');
          await this.#cutover(record, tables, byName, src, dst, stats, suspects);
          current = 'switched';
        } catch (error) {
          await this.#abandon(record, tables, src, dst, error);
          throw error;
        }
      }
      if (current === 'switched') {
        phase('cleanup');
        await this.#cleanup(record, tables, src, stats);
      }
    } finally {
      src.release();
      dst.release();
    }
    phase('done');
    return {
      moveId: id,
      tenant,
      source,
      target,
      resumed,
      copiedRows: stats.copiedRows,
      copyMs: Math.round(stats.copyMs),
      copyRowsPerSecond:
        stats.copyMs > 0 ? Math.round((stats.copiedRows - record.copiedRows) / (stats.copyMs / 1000)) : 0,
      replayedChanges: stats.replayedChanges,
      catchUpRounds: stats.catchUpRounds,
      outboxRowsMoved: stats.outboxRowsMoved,
      cutoverMs: Math.round(stats.cutoverMs),
      cutoverSteps: stats.cutoverSteps,
      verified: stats.verified,
      deletedSourceRows: stats.deletedSourceRows,
      switchedVersion: stats.switchedVersion,
    };
  }

  async #copy(
    record: MoveRecord,
    tables: readonly TenantTable[],
    src: pg.PoolClient,
    dst: pg.PoolClient,
    stats: { copiedRows: number },
  ): Promise<void> {
    const cursors: Record<string, Record<string, unknown> | 'done'> = { ...(record.detail.cursors ?? {}) };
    for (const table of tables) {
      if (table.spec.kind === 'outbox') continue; // unsent rows move in the fenced phase
      let after = cursors[table.spec.table];
      if (after === 'done') continue;
      const total = (await table.size(src, record.tenant)).rows;
      let copied = 0;
      for (;;) {
        const rows = await table.page(src, record.tenant, after, this.#o.batchSize);
        if (rows.length > 0) {
          await table.upsert(dst, rows);
          after = table.keyOf(rows.at(-1)!);
          copied += rows.length;
        }
        const finished = rows.length < this.#o.batchSize;
        cursors[table.spec.table] = finished ? 'done' : after!;
        await this.journal.update(record.id, { copiedRows: rows.length, detail: { cursors } });
        stats.copiedRows += rows.length;
        this.#o.onProgress?.({
          kind: 'copy',
          moveId: record.id,
          tenant: record.tenant,
          table: table.spec.table,
          copiedRows: copied,
          totalRows: total,
        });
        if (finished) break;
      }
    }
  }

  /**
   * Replays the move's log onto the target (current source state); returns changes replayed.
   * Online (`bounded`), one round takes the entries logged before it started — writers never
   * stop adding, and a round must end; fenced, it replays until the log is empty.
   */
  async #replay(
    moveId: string,
    byName: ReadonlyMap<string, TenantTable>,
    src: pg.PoolClient,
    dst: pg.PoolClient,
    bounded = false,
    touched?: Suspects,
  ): Promise<number> {
    let total = 0;
    const upTo = bounded ? await logHead(src, moveId) : undefined;
    for (;;) {
      const entries = await readMoveLog(src, moveId, this.#o.batchSize, upTo);
      if (entries.length === 0) return total;
      total += entries.length;
      const grouped = new Map<string, Array<Record<string, unknown>>>();
      for (const e of entries) grouped.set(e.tbl, [...(grouped.get(e.tbl) ?? []), e.pk]);
      for (const [name, keys] of grouped) {
        const table = byName.get(name);
        if (!table) continue;
        const identity = (row: Record<string, unknown>): string =>
          table.spec.primaryKey.map((c) => JSON.stringify(row[c])).join('\u0000');
        if (touched) {
          const set = touched.get(name) ?? new Set<string>();
          for (const k of keys) set.add(table.pkString(k));
          touched.set(name, set);
        }
        const rows = await table.current(src, keys);
        const present = new Set(rows.map(identity));
        await table.upsert(dst, rows);
        await table.deleteByKey(
          dst,
          keys.filter((k) => !present.has(identity(k))),
        );
      }
      await forgetLogEntries(
        src,
        entries.map((e) => e.id),
      );
    }
  }

  async #cutover(
    record: MoveRecord,
    tables: readonly TenantTable[],
    byName: ReadonlyMap<string, TenantTable>,
    src: pg.PoolClient,
    dst: pg.PoolClient,
    stats: {
      replayedChanges: number;
      outboxRowsMoved: number;
      cutoverMs: number;
      cutoverSteps: Record<string, number>;
      verified: TableCheck[];
      switchedVersion: number;
      compared?: Map<string, number>;
    },
    suspects: Suspects | undefined,
  ): Promise<void> {
    const { store } = this.#o;
    const { tenant, id, source, target } = record;
    const startedAt = performance.now();
    let mark = startedAt;
    const step = (name: string): void => {
      const now = performance.now();
      stats.cutoverSteps[name] = Math.round(now - mark);
      mark = now;
    };
    const fenced = await store.change(`move ${tenant}: fence`, async (c) => {
      const p = this.#placementOf(c.before.placements, tenant, id);
      if (p.state !== 'fenced') await c.place({ ...p, state: 'fenced' });
    });
    await this.#awaitInstances(fenced.version, this.#o.fenceAckTimeoutMs);
    step('instancesFenced');
    try {
      await fenceTenant(src, tenant, this.#o.fenceLockTimeoutMs);
    } catch (error) {
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `the fence of tenant '${tenant}' on '${source}' could not be taken within ${this.#o.fenceLockTimeoutMs} ms (a long transaction of the tenant?)`,
        { input: tenant, cause: error, details: { switched: false, shardId: source } },
      );
    }
    await this.journal.update(id, { phase: 'fenced' });
    step('sqlFence');
    const recheck: Suspects = suspects ?? new Map();
    stats.replayedChanges += await this.#replay(id, byName, src, dst, false, recheck);
    step('replay');
    const outbox = tables.find((t) => t.spec.kind === 'outbox');
    if (outbox) stats.outboxRowsMoved = await moveOutbox(outbox, src, dst, tenant, `${target} (move ${id})`);
    step('outbox');
    // Source and target must hold the same rows now: nothing writes the tenant on either. A move
    // resumed in this phase did not compare online: it compares every row now.
    const checks: TableCheck[] = [];
    for (const t of tables) {
      if (t.spec.kind === 'outbox') continue;
      let check: TableCheck;
      if (suspects === undefined) {
        const [s, d] = await Promise.all([t.rowHashes(src, tenant), t.rowHashes(dst, tenant)]);
        const equal = s.size === d.size && [...s].every(([k, h]) => d.get(k) === h);
        check = {
          table: t.spec.table,
          sourceRows: s.size,
          targetRows: d.size,
          compared: 0,
          rechecked: s.size,
          equal,
        };
      } else {
        const keys = [...(recheck.get(t.spec.table) ?? [])];
        const [sn, dn, sh, dh] = await Promise.all([
          t.count(src, tenant),
          t.count(dst, tenant),
          t.hashesOf(src, keys),
          t.hashesOf(dst, keys),
        ]);
        const equal = sn === dn && sh.size === dh.size && [...sh].every(([k, h]) => dh.get(k) === h);
        check = {
          table: t.spec.table,
          sourceRows: sn,
          targetRows: dn,
          compared: stats.compared?.get(t.spec.table) ?? 0,
          rechecked: keys.length,
          equal,
        };
      }
      checks.push(check);
    }
    stats.verified = checks;
    const different = checks.filter((c) => !c.equal);
    if (different.length > 0)
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `tenant '${tenant}': the copy on '${target}' differs from '${source}' in ${different.map((c) => c.table).join(', ')}`,
        { input: tenant, details: { switched: false, different } },
      );
    step('verify');
    await this.#replicasReplayed(target, dst);
    step('replicas');
    const switched = await store.change(`move ${tenant}: switch to ${target}`, async (c) => {
      const after = new ShardMap({
        ...c.before,
        placements: c.before.placements.filter((p) => p.tenant !== tenant),
      });
      // On the ring's shard no placement is needed; elsewhere the tenant stays pinned there.
      if (after.route(tenant) === target) await c.unplace(tenant);
      else await c.place({ tenant, shardId: target, state: 'pinned' });
      return { tenant, source, target, moveId: id };
    });
    step('switch');
    stats.cutoverMs = performance.now() - startedAt;
    stats.switchedVersion = switched.version;
    await this.journal.update(id, {
      phase: 'switched',
      detail: { switchedVersion: switched.version, cutoverMs: Math.round(stats.cutoverMs), verified: checks },
    });
  }

  /**
   * Compares every row's hash on source and target (online: writes go on, so rows may differ
   * because they changed since the copy — those are in the log and replayed in the fence). Returns
   * the keys that differed, per table, to compare again once writes are stopped.
   */
  async #precheck(
    tables: readonly TenantTable[],
    tenant: string,
    src: pg.PoolClient,
    dst: pg.PoolClient,
    stats: { compared?: Map<string, number> },
  ): Promise<Suspects> {
    const suspects: Suspects = new Map();
    stats.compared = new Map();
    for (const t of tables) {
      if (t.spec.kind === 'outbox') continue;
      const [s, d] = await Promise.all([t.rowHashes(src, tenant), t.rowHashes(dst, tenant)]);
      const differing = new Set<string>();
      for (const [k, h] of s) if (d.get(k) !== h) differing.add(k);
      for (const k of d.keys()) if (!s.has(k)) differing.add(k);
      suspects.set(t.spec.table, differing);
      stats.compared.set(t.spec.table, s.size);
    }
    return suspects;
  }

  async #cleanup(
    record: MoveRecord,
    tables: readonly TenantTable[],
    src: pg.PoolClient,
    stats: { deletedSourceRows: number; switchedVersion: number },
  ): Promise<void> {
    const version =
      stats.switchedVersion || ((await this.journal.get(record.id))?.detail.switchedVersion ?? 0);
    stats.switchedVersion = version;
    const lagging = await this.#awaitInstances(version, this.#o.switchAckTimeoutMs);
    if (lagging.length > 0)
      throw new IntelGraphError(
        'SHARD_REBALANCE_FAILED',
        `instances ${lagging.join(', ')} have not applied map version ${version}: the rows of '${record.tenant}' stay on '${record.source}' (fenced) until they have; resume the move then`,
        { input: record.tenant, details: { switched: true, lagging, moveId: record.id } },
      );
    for (const table of [...tables].reverse())
      stats.deletedSourceRows += await bypassingCapture(src, () => table.deleteTenant(src, record.tenant));
    await tombstoneTenant(src, record.tenant, record.id);
    await this.journal.update(record.id, {
      phase: 'done',
      detail: { deletedSourceRows: stats.deletedSourceRows },
    });
  }

  async #abandon(
    record: MoveRecord,
    tables: readonly TenantTable[],
    src: pg.PoolClient,
    dst: pg.PoolClient,
    error: unknown,
  ): Promise<void> {
    const { tenant, id } = record;
    const latest = await this.journal.get(id).catch(() => undefined);
    if (latest?.phase === 'switched' || latest?.phase === 'done') return;
    await releaseTenant(src, tenant, id).catch(() => {});
    for (const table of tables) await table.deleteTenant(dst, tenant).catch(() => {});
    await this.#o.store
      .change(`move ${tenant}: abandoned`, async (c) => {
        const p = c.before.placements.find((x) => x.tenant === tenant);
        if (!p || p.moveId !== id) return;
        const previous = record.detail.previousPlacement;
        if (previous) await c.place({ tenant, shardId: previous.shardId, state: 'pinned' });
        else await c.unplace(tenant);
      })
      .catch(() => {});
    await this.journal
      .update(id, { phase: 'aborted', error: (error as Error)?.message ?? String(error) })
      .catch(() => {});
  }

  #placementOf(placements: readonly TenantPlacement[], tenant: string, moveId: string): TenantPlacement {
    const p = placements.find((x) => x.tenant === tenant);
    if (!p || p.moveId !== moveId)
      throw new IntelGraphError(
        'SHARD_MAP_CONFLICT',
        `tenant '${tenant}' is no longer placed for move ${moveId}`,
        {
          input: tenant,
        },
      );
    return p;
  }

  /** Waits until every live instance applied `version`; returns the ones that did not in time. */
  #awaitInstances(version: number, timeoutMs: number): Promise<string[]> {
    return awaitInstances(this.#o.store, version, { timeoutMs, liveWithinMs: this.#o.liveWithinMs });
  }

  /** Waits (bounded) until the target's replicas replayed everything its primary has now. */
  async #replicasReplayed(shardId: string, primary: pg.PoolClient): Promise<void> {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const lsn = rows[0]!.lsn;
    const deadline = Date.now() + this.#o.replicaWaitMs;
    for (const replica of this.#o.manager.shard(shardId).replicas) {
      for (;;) {
        const caught = await replica.pool
          .query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])
          .then((r) => r.rows[0]?.ok === true)
          .catch(() => true); // a replica that does not answer is not read from either
        if (caught || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  async #connect(shardId: string): Promise<pg.PoolClient> {
    try {
      return await this.#o.manager.shard(shardId).primary.pool.connect();
    } catch (error) {
      throw new IntelGraphError('SHARD_UNAVAILABLE', `shard '${shardId}' is unreachable for the move`, {
        input: shardId,
        cause: error,
        details: { shardId },
      });
    }
  }

  async #withClient<T>(shardId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect(shardId);
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }
}

export type { MoveDetail, MoveRecord };
