import type { QueryDistributor, ShardTransaction } from '@intelgraph/database-sharding';

/**
 * The database as one request sees it: every statement routed by the request's tenant (from the
 * verified identity), reads allowed on a fresh-enough replica, and read-your-writes within the
 * session (a read after this session's write never hits a replica that has not replayed it).
 *
 * This is where a subgraph's read is routed, and the only place: loaders batch without grouping
 * by shard (every key of a request is its tenant's), and the distributor routes the tenant when
 * the statement runs — through the stored shard map the router follows and under a tenant move's
 * fence — rather than trusting a shard chosen earlier (see docs/architecture.md, "Routing").
 */
export class TenantDb {
  readonly tenantId: string;
  readonly #distributor: QueryDistributor;
  readonly #session: object;

  constructor(distributor: QueryDistributor, tenantId: string, session: object) {
    this.#distributor = distributor;
    this.tenantId = tenantId;
    this.#session = session;
  }

  /** The shard serving this tenant. */
  get shardId(): string {
    return this.#distributor.router.route(this.tenantId);
  }

  /** A read (replica when healthy and fresh enough, else the primary). */
  async read<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#distributor.executeOnShard<R>({
      sql,
      params,
      context: { shardKey: this.tenantId, readonly: true, session: this.#session },
    });
    return result.rows;
  }

  /** A read on the primary (when the next step depends on the latest committed state). */
  async readPrimary<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#distributor.executeOnShard<R>({
      sql,
      params,
      context: { shardKey: this.tenantId, readonly: false, session: this.#session },
    });
    return result.rows;
  }

  /** A single-statement write on the primary. */
  async write<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.readPrimary<R>(sql, params);
  }

  /** `fn` in one transaction on this tenant's shard. */
  transaction<T>(fn: (tx: ShardTransaction) => Promise<T>): Promise<T> {
    return this.#distributor.transaction(this.tenantId, fn, { session: this.#session });
  }
}
