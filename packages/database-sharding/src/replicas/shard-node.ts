import type net from 'node:net';
import pg from 'pg';
import { connectTo } from './replica-set.js';

export type NodeRole = 'primary' | 'replica';
export type NodeStatus = 'unknown' | 'up' | 'down';

/** What the last health probe (or a failed query) found about one node. */
export interface NodeHealth {
  readonly status: NodeStatus;
  /** `pg_is_in_recovery()`: true on a standby. */
  readonly inRecovery: boolean | undefined;
  /** WAL position: current LSN on a primary, replay LSN on a replica (bytes). */
  readonly lsn: number | undefined;
  /** Replica only: how long the replica has been missing WAL its primary has (ms, 0 = caught up). */
  readonly lagMs: number | undefined;
  /** Replica only: the replica has replayed every commit the primary had at this time (epoch ms). */
  readonly syncedAt: number | undefined;
  readonly checkedAt: number | undefined;
  readonly lastError: string | undefined;
}

export interface ShardNodeOptions {
  readonly shardId: string;
  readonly role: NodeRole;
  readonly index: number;
  /** Replaces `index` in the replica's id (`<shardId>/replica-<label>`): a replica set's member is named by its address. */
  readonly label?: string;
  readonly url: string;
  /**
   * A replica set's member: connect to this address, keeping the URL's host for TLS (see
   * `replicaSetMemberUrl`). Unset: connect to the URL's host.
   */
  readonly address?: string;
  readonly max: number;
  readonly connectionTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly onPoolError: (node: ShardNode, error: Error) => void;
}

/** One PostgreSQL server of a shard (its primary or one replica): a `pg.Pool` and its health. */
export class ShardNode {
  readonly shardId: string;
  readonly role: NodeRole;
  /**
   * `<shardId>/primary`, `<shardId>/replica-<n>` (the n-th configured replica URL) or
   * `<shardId>/replica-<address>` (a member of a replica set): the label in metrics and events.
   */
  readonly id: string;
  readonly pool: pg.Pool;
  /** The server's address when it is a replica set's member, else undefined. */
  readonly address: string | undefined;
  readonly #url: string;
  #health: NodeHealth = {
    status: 'unknown',
    inRecovery: undefined,
    lsn: undefined,
    lagMs: undefined,
    syncedAt: undefined,
    checkedAt: undefined,
    lastError: undefined,
  };

  constructor(options: ShardNodeOptions) {
    this.shardId = options.shardId;
    this.role = options.role;
    this.id =
      options.role === 'primary'
        ? `${options.shardId}/primary`
        : `${options.shardId}/replica-${options.label ?? options.index}`;
    this.#url = options.url;
    this.address = options.address;
    this.pool = new pg.Pool({
      ...this.connection,
      max: options.max,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs,
      ...(options.queryTimeoutMs > 0 ? { query_timeout: options.queryTimeoutMs } : {}),
      application_name: `intelgraph-sharding:${this.id}`,
    });
    // An idle client whose server went away emits 'error' on the pool; without a listener that
    // would crash the process.
    this.pool.on('error', (error) => options.onPoolError(this, error));
    // pg-pool removes its idle 'error' listener while a client is checked out: a connection reset
    // between two statements of a checked-out client (a transaction, a rebalance) would then be an
    // unhandled 'error' and crash the process. The failure still reaches the next statement.
    this.pool.on('connect', (client) => {
      client.on('error', () => {});
    });
  }

  /** The connection string; kept off enumerable properties so it is never logged by accident. */
  get url(): string {
    return this.#url;
  }

  /** How `pg` reaches this server: the URL, and for a replica set's member the pinned address. */
  get connection(): { connectionString: string; stream?: () => net.Socket } {
    return {
      connectionString: this.#url,
      ...(this.address !== undefined ? { stream: connectTo(this.address) } : {}),
    };
  }

  get health(): NodeHealth {
    return this.#health;
  }

  get isUp(): boolean {
    return this.#health.status !== 'down';
  }

  update(patch: Partial<NodeHealth>): void {
    this.#health = { ...this.#health, ...patch };
  }

  markDown(error: unknown): void {
    this.update({ status: 'down', lastError: error instanceof Error ? error.message : String(error) });
  }

  toJSON(): Record<string, unknown> {
    return { id: this.id, shardId: this.shardId, role: this.role, ...this.#health };
  }
}
