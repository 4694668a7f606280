import { IntelGraphError } from '@intelgraph/errors';
import { TenantMover } from '../src/index.js';
import { startMovePlatform } from '../test/fixtures/move-platform.js';
import { fmt, type ScenarioResult } from './measure.js';

const ROWS = 100_000;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/**
 * One tenant with 100 000 rows (plus 1 000 events) moved between two shards by `TenantMover`
 * while four writers keep inserting rows of that tenant through a service instance that follows
 * the stored map (single statements, TENANT_MOVING retried after 10 ms). Reports the copy rate,
 * the cut-over (map fenced → switched) and the latency of the tenant's writes: before the move
 * (baseline), and those issued during the cut-over — the write pause, target p99 < 500 ms.
 */
export async function tenantMove(): Promise<ScenarioResult> {
  const platform = await startMovePlatform('ig_bench_move', 2);
  try {
    const instance = await platform.instance('bench');
    const tenant = 'bigtenant';
    await instance.distributor.transaction(tenant, async (tx) => {
      await tx.query(
        `INSERT INTO entities (tenant_id, id, name, score) SELECT $1, $1 || ':' || g, md5(g::text) || md5((g * 7)::text), g FROM generate_series(1, $2::int) g`,
        [tenant, ROWS],
      );
      await tx.query(
        `INSERT INTO ev.events (event_id, aggregate_id, version, data) SELECT $1 || ':e' || g, $1 || ':a' || g, 1, jsonb_build_object('g', g) FROM generate_series(1, 1000) g`,
        [tenant],
      );
    });
    const target = instance.router.route(tenant) === 's0' ? 's1' : 's0';
    const writes: Array<{ at: number; ms: number }> = [];
    let retries = 0;
    let stop = false;
    let n = 0;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const id = `${tenant}:w${n++}`;
        const at = performance.now();
        for (;;) {
          try {
            await instance.distributor.executeOnShard({
              sql: 'INSERT INTO entities (tenant_id, id, name) VALUES ($1, $2, $3)',
              params: [tenant, id, 'w'],
              context: { shardKey: tenant },
            });
            break;
          } catch (error) {
            if (!IntelGraphError.is(error, 'TENANT_MOVING')) throw error;
            retries++;
            await new Promise((r) => setTimeout(r, 10));
          }
        }
        writes.push({ at, ms: performance.now() - at });
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    await new Promise((r) => setTimeout(r, 1000));
    const moveStarted = performance.now();
    const phases = new Map<string, number>();
    const mover = new TenantMover({
      store: platform.store,
      manager: instance.manager,
      batchSize: 2000,
      onProgress: (e) => {
        if (e.kind === 'phase') phases.set(e.phase, performance.now());
      },
    });
    const report = await mover.move(tenant, target);
    const moveEnded = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(writers);
    const fenceAt = phases.get('fence')!;
    const switchedAt = phases.get('cleanup')!;
    const baseline = writes.filter((w) => w.at < moveStarted).map((w) => w.ms);
    const duringMove = writes.filter((w) => w.at >= moveStarted && w.at < moveEnded).map((w) => w.ms);
    // Writes issued during the cut-over, or issued before it and still running when it began.
    const cutover = writes.filter((w) => w.at < switchedAt && w.at + w.ms > fenceAt).map((w) => w.ms);
    const p99 = percentile(cutover, 99);
    return {
      table: [
        [
          'tenant moved',
          `${fmt(report.copiedRows, 0)} rows`,
          `${ROWS} rows + 1000 events, 4 writers on the tenant meanwhile`,
        ],
        ['copy rate rows/s', fmt(report.copyRowsPerSecond, 0), `copy ${report.copyMs} ms, batch 2000`],
        [
          'whole move ms',
          (moveEnded - moveStarted).toFixed(0),
          `${report.catchUpRounds} catch-up rounds, ${report.replayedChanges} changes replayed`,
        ],
        [
          'cut-over ms (map fenced → switched)',
          String(report.cutoverMs),
          Object.entries(report.cutoverSteps)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        [
          'write latency p99 ms, before the move',
          percentile(baseline, 99).toFixed(1),
          `${baseline.length} writes`,
        ],
        [
          'write latency p99 ms, during the move',
          percentile(duringMove, 99).toFixed(1),
          `${duringMove.length} writes`,
        ],
        [
          'write pause p99 ms, during the cut-over',
          p99.toFixed(1),
          `${cutover.length} writes, max ${Math.max(0, ...cutover).toFixed(0)} ms, target < 500`,
        ],
        ['TENANT_MOVING retries', String(retries), 'writes held longer than the 750 ms fence wait'],
      ],
      metrics: {
        moveCopyRowsPerSec: report.copyRowsPerSecond,
        moveCutoverMs: report.cutoverMs,
        moveWritePauseP99Ms: Number(p99.toFixed(1)),
        moveWritePauseMaxMs: Number(Math.max(0, ...cutover).toFixed(1)),
        moveTenantMovingRetries: retries,
      },
      ratios: { moveWritePauseP99OverTarget: p99 / 500 },
    };
  } finally {
    await platform.close();
  }
}
