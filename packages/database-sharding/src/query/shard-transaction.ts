import { IntelGraphError } from '@intelgraph/errors';
import type pg from 'pg';
import type { ShardNode } from '../replicas/shard-node.js';
import type { ShardKey } from '../strategies/sharding-strategy.js';
import type { NodeExecutor, StatementResult } from './node-executor.js';

/*
 * In a transaction where a statement already failed, PostgreSQL answers COMMIT with ROLLBACK and
 * no error, so a caller that caught that statement's error would believe its writes were made.
 * Any other statement fails there (SQLSTATE 25P02), so one goes first, in the same message: the
 * commit then fails with SHARD_QUERY_FAILED and the transaction is rolled back.
 */
const COMMIT = 'SELECT 1; COMMIT';
/*
 * The read-your-writes mark: the primary's WAL *flush* position once COMMIT returned. The commit
 * record is flushed by then (synchronous_commit on), so the mark covers the write, and everything
 * up to it is on disk, so the standbys receive it. The insert position would not do: it can lie in
 * a WAL page no one flushes while the primary takes no further commits (a primary cut off from its
 * clients), and a replica would never be shown to have reached it.
 */
const COMMIT_RETURNING_LSN = `SELECT 1; COMMIT; SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::text AS lsn`;

/** A transaction on one shard's primary, handed to `distributor.transaction(key, fn)`. */
export class ShardTransaction {
  readonly shardId: string;
  readonly #node: ShardNode;
  readonly #client: pg.PoolClient;
  readonly #executor: NodeExecutor;
  readonly #route: (key: ShardKey) => string;

  constructor(
    shardId: string,
    node: ShardNode,
    client: pg.PoolClient,
    executor: NodeExecutor,
    route: (key: ShardKey) => string,
  ) {
    this.shardId = shardId;
    this.#node = node;
    this.#client = client;
    this.#executor = executor;
    this.#route = route;
  }

  /**
   * One statement in the transaction. `shardKey`, when given, must route to this transaction's
   * shard: a write reaching another shard is refused (`SHARD_CROSS_SHARD_WRITE`), and the caller's
   * `fn` throwing rolls everything back, so nothing is done half.
   */
  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: { shardKey?: ShardKey } = {},
  ): Promise<StatementResult<R>> {
    if (options.shardKey !== undefined) {
      const other = this.#route(options.shardKey);
      if (other !== this.shardId) {
        throw new IntelGraphError(
          'SHARD_CROSS_SHARD_WRITE',
          `key ${JSON.stringify(options.shardKey)} lives on shard '${other}', not on this transaction's shard '${this.shardId}'`,
          { input: options.shardKey, details: { shardId: this.shardId, otherShardId: other } },
        );
      }
    }
    return this.#executor.run<R>(this.#node, this.#client, sql, params, { operation: 'transaction' });
  }

  async begin(): Promise<void> {
    await this.#executor.run(this.#node, this.#client, 'BEGIN', [], { operation: 'transaction' });
  }

  /**
   * COMMIT; fails (SHARD_QUERY_FAILED, SQLSTATE 25P02) if a statement of the transaction had
   * failed, rather than rolling back in silence. With `returnLsn`, the same round trip also reads the primary's WAL insert position
   * after the commit (bytes; undefined if the server cannot say), for read-your-writes.
   */
  async commit(options: { returnLsn?: boolean } = {}): Promise<number | undefined> {
    if (!options.returnLsn) {
      await this.#executor.run(this.#node, this.#client, COMMIT, [], { operation: 'transaction' });
      return undefined;
    }
    // One simple-protocol message: no extra round trip. The last SELECT runs only once COMMIT
    // succeeded.
    const { rows } = await this.#executor.run<{ lsn: string | null }>(
      this.#node,
      this.#client,
      COMMIT_RETURNING_LSN,
      [],
      { operation: 'transaction' },
    );
    const lsn = Number(rows[0]?.lsn ?? Number.NaN);
    return Number.isFinite(lsn) ? lsn : undefined;
  }

  async rollback(): Promise<void> {
    await this.#executor.run(this.#node, this.#client, 'ROLLBACK', [], { operation: 'transaction' });
  }
}
