import fc from 'fast-check';
import { type Caller, checkBatch, DifferentialStats, type Exchange } from './differential-check.js';
import type { GatewayTargets } from './gateway-targets.js';
import type { GeneratedOperation } from './operation-arbitrary.js';

/** Operations for a set of callers who may all see everything these operations select. */
export interface Audience {
  readonly operations: fc.Arbitrary<GeneratedOperation>;
  readonly callers: readonly Caller[];
}

export interface DifferentialRun {
  readonly targets: GatewayTargets;
  readonly audiences: readonly Audience[];
  /** Operations per batch; each is sent by every caller of its audience, all at once. */
  readonly batchSize: number;
  /** Batches (fast-check runs). */
  readonly numRuns: number;
  readonly rounds?: number;
}

/**
 * The property: for every batch of generated operations, sent concurrently by callers of
 * different identities and tenants, each of our gateways answers each caller what vanilla Apollo
 * Gateway answers the same caller. `DIFFERENTIAL_SEED` (and `DIFFERENTIAL_PATH`) replay a
 * reported counterexample; fast-check prints both on failure.
 */
export async function runDifferential(run: DifferentialRun): Promise<DifferentialStats> {
  const stats = new DifferentialStats();
  const item = fc.oneof(
    ...run.audiences.map((a, audience) => a.operations.map((operation) => ({ operation, audience }))),
  );
  const batch = fc.array(item, { minLength: run.batchSize, maxLength: run.batchSize });
  const seed = process.env.DIFFERENTIAL_SEED;
  const path = process.env.DIFFERENTIAL_PATH;
  await fc.assert(
    fc.asyncProperty(batch, async (items) => {
      const exchanges: Exchange[] = items.flatMap(({ operation, audience }) =>
        run.audiences[audience]!.callers.map((caller) => ({ operation, caller })),
      );
      await checkBatch(run.targets, exchanges, stats, { rounds: run.rounds ?? 2 });
      stats.operations += items.length;
    }),
    {
      numRuns: run.numRuns,
      ...(seed ? { seed: Number(seed) } : {}),
      ...(path ? { path } : {}),
      // Shrinking re-sends whole batches; bound it so a failure is reported in reasonable time.
      interruptAfterTimeLimit: 600_000,
      markInterruptAsFailure: true,
    },
  );
  return stats;
}
