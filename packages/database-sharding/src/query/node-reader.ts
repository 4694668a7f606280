import { IntelGraphError } from '@intelgraph/errors';
import type { ShardNode } from '../replicas/shard-node.js';
import type { ShardManager } from '../shard-manager.js';
import type { NodeExecutor, StatementResult } from './node-executor.js';
import type { ShardQueryResult } from './query-context.js';
import type { WriteMark } from './read-your-writes.js';

/**
 * Reads on a shard: a replica when one is healthy and fresh enough (the manager picks; after a
 * session's write, one shown just now to have replayed it), else the primary; a read that fails
 * for a node-level reason is retried once on another node.
 */
export class NodeReader {
  readonly #manager: ShardManager;
  readonly #executor: NodeExecutor;

  constructor(manager: ShardManager, executor: NodeExecutor) {
    this.#manager = manager;
    this.#executor = executor;
  }

  /** A read on a replica or the primary, retried once on another node when the first fails retryably. */
  async read<R>(
    shardId: string,
    sql: string,
    params: readonly unknown[],
    options: { operation: 'executeOnShard' | 'broadcast'; timeoutMs?: number },
    written: WriteMark | undefined,
    retryTimeouts = true,
  ): Promise<ShardQueryResult<R>> {
    let first: ShardNode;
    try {
      first = this.#manager.reader(shardId, written);
    } catch (error) {
      // The primary is down and no replica was known to have the session's write: ask them now.
      const replica = written && (await this.#manager.replayedReplica(shardId, written));
      if (!replica) throw error;
      first = replica;
    }
    // The primary only because no replica was known to have the session's write: ask them now.
    if (first.role === 'primary' && written !== undefined)
      first = (await this.#manager.replayedReplica(shardId, written)) ?? first;
    try {
      return shardResult(await this.#executor.execute<R>(first, sql, params, options), first);
    } catch (error) {
      if (!retryableElsewhere(error, retryTimeouts)) throw error;
      let second: ShardNode;
      try {
        second = this.#manager.reader(shardId, written, first);
      } catch {
        throw error;
      }
      this.#manager.metrics?.failovers.inc({
        shard: shardId,
        from: first.id,
        to: second.id,
        reason: (error as IntelGraphError).code,
      });
      return shardResult(await this.#executor.execute<R>(second, sql, params, options), second);
    }
  }
}

/*
 * Built field by field: spreading the statement result into a new object was the single most
 * expensive line of the hot path (V8 leaves its fast object-clone path there; measured with --cpu-prof).
 */
export function shardResult<R>(result: StatementResult<R>, node: ShardNode): ShardQueryResult<R> {
  return {
    rows: result.rows,
    rowCount: result.rowCount,
    fields: result.fields,
    shardId: node.shardId,
    node: node.id,
    target: node.role,
  };
}

function retryableElsewhere(error: unknown, timeouts: boolean): boolean {
  if (!IntelGraphError.is(error)) return false;
  if (error.code === 'SHARD_UNAVAILABLE') return true;
  if (error.code === 'SHARD_QUERY_TIMEOUT') return timeouts;
  const state = error.details.sqlState;
  // 40001 on a standby: canceled by a recovery conflict; 25006: the node turned out read-only.
  return error.code === 'SHARD_QUERY_FAILED' && (state === '40001' || state === '25006');
}
