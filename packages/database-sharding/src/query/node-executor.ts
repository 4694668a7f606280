import { IntelGraphError } from '@intelgraph/errors';
import type pg from 'pg';
import type { ShardMetrics } from '../metrics/shard-metrics.js';
import { TENANT_MOVING_SQLSTATE } from '../move/move-capture.js';
import { isConnectionError, isPoolExhausted, isQueryTimeout, sqlStateOf } from '../replicas/pg-errors.js';
import type { ShardNode } from '../replicas/shard-node.js';
import type { QueryEvent, QueryEvents } from './query-events.js';

export interface StatementResult<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly dataTypeID: number }>;
}

export interface StatementOptions {
  readonly operation: QueryEvent['operation'];
  /** Client-side deadline for this statement; the server-side query is cancelled when it passes. */
  readonly timeoutMs?: number;
}

/**
 * Runs statements on one node and turns every failure into a coded error naming the shard:
 * unreachable node → `SHARD_UNAVAILABLE` (and the node is marked down until a probe succeeds),
 * deadline → `SHARD_QUERY_TIMEOUT`, SQL error → `SHARD_QUERY_FAILED` with the SQLSTATE.
 * Metrics and query events are recorded here, once per statement.
 */
export class NodeExecutor {
  readonly #metrics: ShardMetrics | undefined;
  readonly #events: QueryEvents;

  constructor(metrics: ShardMetrics | undefined, events: QueryEvents) {
    this.#metrics = metrics;
    this.#events = events;
  }

  connect(node: ShardNode): Promise<pg.PoolClient> {
    return node.pool.connect().catch((error: unknown) => {
      throw this.fail(node, error, '(connect)', 0, 0, 'executeOnShard');
    });
  }

  /** Runs one statement on a checked-out client (transactions keep theirs). */
  async run<R>(
    node: ShardNode,
    client: pg.PoolClient,
    sql: string,
    params: readonly unknown[],
    options: StatementOptions,
  ): Promise<StatementResult<R>> {
    const started = performance.now();
    try {
      // A config object makes pg clone it per call: pass text and values unless a deadline is set.
      const answer =
        options.timeoutMs === undefined
          ? await client.query(sql, params as unknown[])
          : await client.query({
              text: sql,
              values: params as unknown[],
              query_timeout: options.timeoutMs,
            } as pg.QueryConfig);
      // Several statements in one simple query answer one result each: the last one counts.
      const result: pg.QueryResult = Array.isArray(answer) ? answer[answer.length - 1] : answer;
      const durationMs = performance.now() - started;
      const labels = { shard: node.shardId, node: node.id, role: node.role };
      this.#metrics?.queries.inc(labels);
      this.#metrics?.latency.observe(labels, durationMs / 1000);
      if (this.#events.active) {
        this.#events.emit({
          shardId: node.shardId,
          node: node.id,
          target: node.role,
          sql,
          paramCount: params.length,
          durationMs,
          rowCount: result.rowCount,
          operation: options.operation,
        });
      }
      return { rows: result.rows as R[], rowCount: result.rowCount, fields: result.fields };
    } catch (error) {
      const pid = (client as unknown as { processID?: number }).processID;
      if (isQueryTimeout(error) && pid) this.#cancel(node, pid);
      throw this.fail(node, error, sql, params.length, performance.now() - started, options.operation);
    }
  }

  /** Checks out a client, runs one statement, releases (destroying the client after a connection failure). */
  async execute<R>(
    node: ShardNode,
    sql: string,
    params: readonly unknown[],
    options: StatementOptions,
  ): Promise<StatementResult<R>> {
    const client = await this.connect(node);
    try {
      const result = await this.run<R>(node, client, sql, params, options);
      client.release();
      return result;
    } catch (error) {
      client.release(mustDiscard(error) ? (error as Error) : undefined);
      throw error;
    }
  }

  /** Best effort: stop the server-side statement whose client-side deadline passed. */
  #cancel(node: ShardNode, pid: number): void {
    node.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
  }

  fail(
    node: ShardNode,
    error: unknown,
    sql: string,
    paramCount: number,
    durationMs: number,
    operation: QueryEvent['operation'],
  ): IntelGraphError {
    if (error instanceof IntelGraphError) return error;
    const details = { shardId: node.shardId, node: node.id, target: node.role };
    let coded: IntelGraphError;
    if (isQueryTimeout(error)) {
      coded = new IntelGraphError(
        'SHARD_QUERY_TIMEOUT',
        `query on shard '${node.shardId}' (${node.id}) timed out`,
        {
          input: sql,
          cause: error,
          details,
        },
      );
    } else if (isPoolExhausted(error)) {
      coded = new IntelGraphError(
        'SHARD_UNAVAILABLE',
        `shard '${node.shardId}' (${node.id}): no free connection in the pool`,
        {
          input: node.shardId,
          cause: error,
          details: { ...details, reason: 'pool-exhausted' },
        },
      );
    } else if (isConnectionError(error)) {
      node.markDown(error);
      coded = new IntelGraphError(
        'SHARD_UNAVAILABLE',
        `shard '${node.shardId}' is unreachable (${node.id}: ${(error as Error).message})`,
        {
          input: node.shardId,
          cause: error,
          details: { ...details, reason: 'connection' },
        },
      );
    } else if (sqlStateOf(error) === TENANT_MOVING_SQLSTATE) {
      // The source's SQL fence of a tenant move refused the write: nothing was written.
      coded = new IntelGraphError('TENANT_MOVING', `shard '${node.shardId}': ${(error as Error).message}`, {
        input: sql,
        cause: error,
        details: { ...details, sqlState: TENANT_MOVING_SQLSTATE },
      });
    } else {
      const pgError = error as { message?: string; constraint?: string; detail?: string };
      coded = new IntelGraphError(
        'SHARD_QUERY_FAILED',
        `shard '${node.shardId}': ${pgError.message ?? String(error)}`,
        {
          input: sql,
          cause: error,
          details: { ...details, sqlState: sqlStateOf(error), constraint: pgError.constraint },
        },
      );
    }
    this.#metrics?.errors.inc({ shard: node.shardId, node: node.id, role: node.role, code: coded.code });
    if (this.#events.active) {
      this.#events.emit({
        shardId: node.shardId,
        node: node.id,
        target: node.role,
        sql,
        paramCount,
        durationMs,
        rowCount: null,
        error: coded,
        operation,
      });
    }
    return coded;
  }
}

/** After these the connection's protocol state is unknown: destroy the client, do not reuse it. */
export function mustDiscard(error: unknown): boolean {
  if (IntelGraphError.is(error))
    return error.code === 'SHARD_UNAVAILABLE' || error.code === 'SHARD_QUERY_TIMEOUT';
  return isConnectionError(error) || isQueryTimeout(error);
}
