import type pg from 'pg';
import { quoteIdentifier as q } from '../query/quote-identifier.js';

export type MovePhase = 'copy' | 'catch-up' | 'fenced' | 'switched' | 'done' | 'aborted';

export interface MoveRecord {
  readonly id: string;
  readonly tenant: string;
  readonly source: string;
  readonly target: string;
  readonly phase: MovePhase;
  readonly copiedRows: number;
  readonly detail: MoveDetail;
  readonly error: string | undefined;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | undefined;
}

export interface MoveDetail {
  /** Per table: the primary key of the last copied row, or `'done'`. */
  readonly cursors?: Readonly<Record<string, Record<string, unknown> | 'done'>>;
  /** The tenant's placement before the move (restored if it is abandoned). */
  readonly previousPlacement?: { readonly shardId: string; readonly state: string } | null;
  /** Map version that switched the tenant to the target. */
  readonly switchedVersion?: number;
  readonly [key: string]: unknown;
}

/** The `moves` table of the shard map database: each move's phase and progress, for resuming. */
export class MoveJournal {
  readonly #pool: pg.Pool;
  readonly #s: string;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#s = q(schema);
  }

  async create(move: {
    id: string;
    tenant: string;
    source: string;
    target: string;
    detail: MoveDetail;
  }): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#s}.moves (id, tenant, source_shard_id, target_shard_id, phase, detail) VALUES ($1, $2, $3, $4, 'copy', $5)`,
      [move.id, move.tenant, move.source, move.target, JSON.stringify(move.detail)],
    );
  }

  async update(
    id: string,
    change: { phase?: MovePhase; copiedRows?: number; detail?: MoveDetail; error?: string | null },
  ): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#s}.moves SET phase = coalesce($2, phase), copied_rows = copied_rows + coalesce($3, 0),
         detail = detail || coalesce($4::jsonb, '{}'::jsonb), error = CASE WHEN $5::boolean THEN $6 ELSE error END,
         updated_at = now(),
         finished_at = CASE WHEN $2 IN ('done', 'aborted') THEN now() ELSE finished_at END
       WHERE id = $1`,
      [
        id,
        change.phase ?? null,
        change.copiedRows ?? null,
        change.detail ? JSON.stringify(change.detail) : null,
        change.error !== undefined,
        change.error ?? null,
      ],
    );
  }

  async get(id: string): Promise<MoveRecord | undefined> {
    return (await this.#select('WHERE id = $1', [id]))[0];
  }

  /** The unfinished move of `tenant`, if any. */
  async openFor(tenant: string): Promise<MoveRecord | undefined> {
    return (await this.#select('WHERE tenant = $1 AND finished_at IS NULL', [tenant]))[0];
  }

  async list(options: { unfinishedOnly?: boolean; limit?: number } = {}): Promise<MoveRecord[]> {
    return this.#select(
      `${options.unfinishedOnly ? 'WHERE finished_at IS NULL' : ''} ORDER BY started_at DESC LIMIT $1`,
      [options.limit ?? 100],
    );
  }

  async #select(where: string, params: unknown[]): Promise<MoveRecord[]> {
    const { rows } = await this.#pool.query<{
      id: string;
      tenant: string;
      source_shard_id: string;
      target_shard_id: string;
      phase: MovePhase;
      copied_rows: string;
      detail: MoveDetail;
      error: string | null;
      started_at: Date;
      updated_at: Date;
      finished_at: Date | null;
    }>(
      `SELECT id, tenant, source_shard_id, target_shard_id, phase, copied_rows::text, detail, error, started_at, updated_at, finished_at
         FROM ${this.#s}.moves ${where}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      source: r.source_shard_id,
      target: r.target_shard_id,
      phase: r.phase,
      copiedRows: Number(r.copied_rows),
      detail: r.detail,
      error: r.error ?? undefined,
      startedAt: r.started_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at ?? undefined,
    }));
  }
}
