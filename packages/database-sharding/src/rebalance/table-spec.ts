/** A sharded table the rebalancer moves rows of. */
export interface ShardedTable {
  /** Table name in the connection's search path (quoted as given). */
  readonly name: string;
  /** Column holding the shard key (tenant). */
  readonly shardKeyColumn: string;
  /** Primary-key columns (the rows' identity across shards). */
  readonly primaryKey: readonly string[];
}
