import type { ErrorSection } from './error-definition.js';

/** Errors raised by `@intelgraph/database-sharding` (routing, cross-shard queries, replicas, rebalancing). */
export const shardingErrors = {
  SHARD_KEY_REQUIRED: {
    httpStatus: 400,
    summary: 'A sharded query or id was given no shard key (tenant), so it cannot be routed.',
    retryable: false,
  },
  SHARD_KEY_OUT_OF_RANGE: {
    httpStatus: 400,
    summary: 'The range strategy has no range containing the shard key.',
    retryable: false,
  },
  SHARD_REGION_UNKNOWN: {
    httpStatus: 400,
    summary: 'The geo strategy has no shard group for the region of the shard key.',
    retryable: false,
  },
  SHARD_ID_INVALID: {
    httpStatus: 400,
    summary: 'A routable id is malformed: the shard key cannot be read from it.',
    retryable: false,
  },
  SHARD_UNAVAILABLE: {
    httpStatus: 503,
    summary: "The shard's primary (or every node able to serve the call) is unreachable; the shard is named.",
    retryable: true,
  },
  SHARD_QUERY_TIMEOUT: {
    httpStatus: 504,
    summary: 'A query on one shard did not answer within its per-shard timeout and was cancelled.',
    retryable: true,
  },
  SHARD_QUERY_FAILED: {
    httpStatus: 500,
    summary: 'PostgreSQL rejected a statement on a shard (SQL error); the SQLSTATE and shard are attached.',
    retryable: false,
  },
  SHARD_CROSS_SHARD_WRITE: {
    httpStatus: 400,
    summary: 'A write would touch more than one shard; it is refused before anything is written.',
    retryable: false,
  },
  SHARD_BROADCAST_FAILED: {
    httpStatus: 502,
    summary: 'A broadcast query failed on one or more shards and partial results were not requested.',
    retryable: true,
  },
  SHARD_MERGE_UNSUPPORTED: {
    httpStatus: 400,
    summary:
      'A broadcast query has a shape whose cross-shard merge could differ from one database (DISTINCT aggregate, DISTINCT subquery, join, …); refused before it runs.',
    retryable: false,
  },
  SHARD_MAP_MISMATCH: {
    httpStatus: 500,
    summary:
      "A service's DATABASE_SHARDS (or embedded shard count) disagrees with the stored shard map; it refuses to start, having written nothing.",
    retryable: false,
  },
  SHARD_MAP_UNAVAILABLE: {
    httpStatus: 503,
    summary: 'The shard map database is unreachable, or holds no map and nothing was given to initialise it.',
    retryable: true,
  },
  SHARD_MAP_CONFLICT: {
    httpStatus: 409,
    summary:
      'A change of the shard map was refused: the map changed meanwhile, or the change contradicts its state.',
    retryable: true,
  },
  TENANT_MOVING: {
    httpStatus: 503,
    summary:
      'The tenant is in the cut-over of a move to another shard: its writes were held and the move did not finish within the wait; retry shortly.',
    retryable: true,
  },
  SHARD_REBALANCE_FAILED: {
    httpStatus: 500,
    summary: 'A rebalancing step failed; routing was not switched and the source rows are intact.',
    retryable: true,
  },
} as const satisfies ErrorSection;
