import { IntelGraphError } from '@intelgraph/errors';
import pg from 'pg';
import type { ShardConfig } from '../config/shard-manager-options.js';
import { redactUrl } from '../config/shard-manager-options.js';
import { quoteIdentifier as q } from '../query/quote-identifier.js';
import type {
  PlacementState,
  ShardMapSnapshot,
  StoredShard,
  StoredShardState,
  TenantPlacement,
} from './shard-map.js';
import { SHARD_MAP_SCHEMA, shardMapMigrations } from './shard-map-schema.js';

export interface ShardMapStoreOptions {
  /** The metadata database (`SHARD_MAP_URL`): a PostgreSQL database of its own. */
  readonly url: string;
  /** Schema of the map's tables. Default `intelgraph_shard_map`. */
  readonly schema?: string;
  /** Clients of the store's pool. Default 4. */
  readonly poolMax?: number;
  /** Connect timeout. Default 5000 ms. */
  readonly connectionTimeoutMs?: number;
}

/** A sharded table a service registered (what a tenant move copies). */
export interface FootprintTable {
  readonly service: string;
  /** `schema.table` or `table`. */
  readonly table: string;
  /** `rows` (a table with a tenant column) or one of the event store's tables. */
  readonly kind: 'rows' | 'events' | 'streams' | 'snapshots' | 'outbox';
  /** Column holding the tenant; for the event store's tables the routable id column (`aggregate_id`, `event_id`). */
  readonly keyColumn: string;
  readonly primaryKey: readonly string[];
}

export interface MapInstance {
  readonly instanceId: string;
  readonly service: string;
  readonly appliedVersion: number;
  readonly seenAt: Date;
}

/** The statements a change may make, inside the change's transaction. */
export interface ShardMapChange {
  /** The map as it was before this change (the version being replaced). */
  readonly before: ShardMapSnapshot;
  /** The version this change creates. */
  readonly version: number;
  readonly client: pg.PoolClient;
  addShard(shard: ShardConfig, state: StoredShardState): Promise<void>;
  setShardState(shardId: string, state: StoredShardState): Promise<void>;
  setReplicas(shardId: string, replicas: readonly string[]): Promise<void>;
  setPrimary(shardId: string, primary: string): Promise<void>;
  removeShard(shardId: string): Promise<void>;
  place(
    placement: Omit<TenantPlacement, 'targetShardId' | 'moveId'> & Partial<TenantPlacement>,
  ): Promise<void>;
  unplace(tenant: string): Promise<void>;
}

interface ShardRow {
  id: string;
  name: string | null;
  primary_url: string;
  replica_urls: string[];
  region: string | null;
  state: StoredShardState;
}
interface PlacementRow {
  tenant: string;
  shard_id: string;
  state: PlacementState;
  target_shard_id: string | null;
  move_id: string | null;
}

/**
 * The stored, versioned shard map in its metadata database. Every change runs in one
 * transaction that bumps `topology.version` (its row lock serialises changes), records the change
 * in `changes`, and NOTIFYs the map's channel with the new version on commit; followers LISTEN
 * and also poll the version, so a lost notification only delays them by one poll.
 */
export class ShardMapStore {
  readonly schema: string;
  /** The NOTIFY channel: the schema's name. */
  readonly channel: string;
  readonly url: string;
  readonly pool: pg.Pool;
  readonly #s: string;

  constructor(options: ShardMapStoreOptions) {
    this.schema = options.schema ?? SHARD_MAP_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema))
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `shard map schema ${JSON.stringify(this.schema)}: expected [a-z_][a-z0-9_]*`,
        {
          input: this.schema,
        },
      );
    this.channel = this.schema;
    this.url = options.url;
    this.#s = q(this.schema);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 4,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client whose server went away must not crash the process.
    this.pool.on('error', () => {});
  }

  /** Creates or upgrades the map's tables (idempotent; writes nothing when they are current). */
  async migrate(): Promise<void> {
    await this.#withClient(async (client) => {
      const all = shardMapMigrations(this.schema);
      // Read-only first: a current schema is not touched at all (no lock, no write).
      const current = await this.#schemaVersion(client);
      if (current >= all.length) return;
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `intelgraph-shard-map:${this.schema}`,
        ]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#s}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.#s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
        const { rows } = await client.query<{ v: number }>(
          `SELECT coalesce(max(version), 0)::int AS v FROM ${this.#s}.migrations`,
        );
        for (let version = rows[0]!.v + 1; version <= all.length; version++) {
          await client.query(all[version - 1]!);
          await client.query(`INSERT INTO ${this.#s}.migrations (version) VALUES ($1)`, [version]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async #schemaVersion(client: pg.ClientBase): Promise<number> {
    const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      `${this.#s}.migrations`,
    ]);
    if (!rows[0]?.exists) return 0;
    const v = await client.query<{ v: number }>(
      `SELECT coalesce(max(version), 0)::int AS v FROM ${this.#s}.migrations`,
    );
    return v.rows[0]!.v;
  }

  /** The current map, or undefined when none was stored yet. */
  async load(): Promise<ShardMapSnapshot | undefined> {
    return this.#withClient((client) => this.#load(client));
  }

  /** The current version only (the followers' cheap poll); undefined when no map is stored. */
  async currentVersion(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ version: string }>(
      `SELECT version::text FROM ${this.#s}.topology`,
    );
    return rows[0] ? Number(rows[0].version) : undefined;
  }

  async #load(client: pg.ClientBase): Promise<ShardMapSnapshot | undefined> {
    // One snapshot for the three reads: a change committing in between is seen entirely or not at all.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      return await this.#loadInTransaction(client);
    } finally {
      await client.query('COMMIT').catch(() => {});
    }
  }

  /**
   * Stores the first map (version 1) from `shards`, all active, unless a map exists already
   * (then nothing is written and the stored map is returned: two instances starting at once
   * agree on whichever committed first).
   */
  async initialize(input: {
    virtualNodes: number;
    shards: readonly ShardConfig[];
  }): Promise<ShardMapSnapshot> {
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const inserted = await client.query(
          `INSERT INTO ${this.#s}.topology (version, strategy, virtual_nodes) VALUES (1, 'hash', $1) ON CONFLICT DO NOTHING`,
          [input.virtualNodes],
        );
        if (inserted.rowCount === 1) {
          for (const [i, shard] of input.shards.entries())
            await this.#insertShard(client, shard, 'active', i, 1);
          await client.query(
            `INSERT INTO ${this.#s}.changes (version, description, detail) VALUES (1, $1, $2)`,
            ['initialised', JSON.stringify({ shards: input.shards.map((s) => s.id) })],
          );
          await client.query('SELECT pg_notify($1, $2)', [this.channel, '1']);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      return (await this.#load(client))!;
    });
  }

  /**
   * One change of the map: `apply` runs in a transaction holding the map's lock, with the map as
   * it was; the version is bumped, the change recorded, and followers notified at commit. With
   * `expectedVersion`, a map changed meanwhile fails with `SHARD_MAP_CONFLICT`.
   */
  async change(
    description: string,
    /** Its resolved value, when an object, is recorded as the change's detail. */
    apply: (change: ShardMapChange) => Promise<unknown>,
    options: { expectedVersion?: number } = {},
  ): Promise<ShardMapSnapshot> {
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const locked = await client.query<{ version: string }>(
          `SELECT version::text FROM ${this.#s}.topology FOR UPDATE`,
        );
        if (!locked.rows[0])
          throw new IntelGraphError('SHARD_MAP_UNAVAILABLE', 'no shard map is stored yet', {
            input: redactUrl(this.url),
          });
        const from = Number(locked.rows[0].version);
        if (options.expectedVersion !== undefined && options.expectedVersion !== from) {
          throw new IntelGraphError(
            'SHARD_MAP_CONFLICT',
            `the shard map changed meanwhile (version ${from}, expected ${options.expectedVersion})`,
            { input: description, details: { version: from, expectedVersion: options.expectedVersion } },
          );
        }
        const before = (await this.#loadInTransaction(client))!;
        const version = from + 1;
        const result = await apply(this.#changeApi(client, before, version));
        const detail = result !== null && typeof result === 'object' ? result : {};
        await client.query(`UPDATE ${this.#s}.topology SET version = $1, updated_at = now()`, [version]);
        await client.query(
          `INSERT INTO ${this.#s}.changes (version, description, detail) VALUES ($1, $2, $3)`,
          [version, description, JSON.stringify(detail ?? {})],
        );
        await client.query('SELECT pg_notify($1, $2)', [this.channel, String(version)]);
        const after = (await this.#loadInTransaction(client))!;
        await client.query('COMMIT');
        return after;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  /** Reads the map inside the caller's open transaction. */
  async #loadInTransaction(client: pg.ClientBase): Promise<ShardMapSnapshot | undefined> {
    const topology = await client.query<{ version: string; strategy: 'hash'; virtual_nodes: number }>(
      `SELECT version::text, strategy, virtual_nodes FROM ${this.#s}.topology`,
    );
    const t = topology.rows[0];
    if (!t) return undefined;
    const shards = await client.query<ShardRow>(
      `SELECT id, name, primary_url, replica_urls, region, state FROM ${this.#s}.shards ORDER BY position, id`,
    );
    const placements = await client.query<PlacementRow>(
      `SELECT tenant, shard_id, state, target_shard_id, move_id FROM ${this.#s}.placements ORDER BY tenant`,
    );
    return {
      version: Number(t.version),
      strategy: t.strategy,
      virtualNodes: t.virtual_nodes,
      shards: shards.rows.map(toShard),
      placements: placements.rows.map((p) => ({
        tenant: p.tenant,
        shardId: p.shard_id,
        state: p.state,
        targetShardId: p.target_shard_id ?? undefined,
        moveId: p.move_id ?? undefined,
      })),
    };
  }

  #changeApi(client: pg.PoolClient, before: ShardMapSnapshot, version: number): ShardMapChange {
    const s = this.#s;
    const mustExist = async (shardId: string): Promise<void> => {
      const { rowCount } = await client.query(`SELECT 1 FROM ${s}.shards WHERE id = $1`, [shardId]);
      if (rowCount !== 1)
        throw new IntelGraphError('CONFIG_INVALID', `no shard '${shardId}' in the shard map`, {
          input: shardId,
        });
    };
    return {
      before,
      version,
      client,
      addShard: async (shard, state) => {
        if (before.shards.some((x) => x.id === shard.id))
          throw new IntelGraphError('CONFIG_INVALID', `shard '${shard.id}' is already in the shard map`, {
            input: shard.id,
          });
        const { rows } = await client.query<{ p: number }>(
          `SELECT coalesce(max(position) + 1, 0)::int AS p FROM ${s}.shards`,
        );
        await this.#insertShard(client, shard, state, rows[0]!.p, version);
      },
      setShardState: async (shardId, state) => {
        await mustExist(shardId);
        await client.query(`UPDATE ${s}.shards SET state = $2 WHERE id = $1`, [shardId, state]);
      },
      setReplicas: async (shardId, replicas) => {
        await mustExist(shardId);
        await client.query(`UPDATE ${s}.shards SET replica_urls = $2 WHERE id = $1`, [
          shardId,
          [...replicas],
        ]);
      },
      setPrimary: async (shardId, primary) => {
        await mustExist(shardId);
        await client.query(`UPDATE ${s}.shards SET primary_url = $2 WHERE id = $1`, [shardId, primary]);
      },
      removeShard: async (shardId) => {
        await mustExist(shardId);
        await client.query(`DELETE FROM ${s}.shards WHERE id = $1`, [shardId]);
      },
      place: async (p) => {
        await mustExist(p.shardId);
        if (p.targetShardId) await mustExist(p.targetShardId);
        await client.query(
          `INSERT INTO ${s}.placements (tenant, shard_id, state, target_shard_id, move_id, updated_version)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant) DO UPDATE SET shard_id = EXCLUDED.shard_id, state = EXCLUDED.state,
             target_shard_id = EXCLUDED.target_shard_id, move_id = EXCLUDED.move_id, updated_version = EXCLUDED.updated_version`,
          [p.tenant, p.shardId, p.state, p.targetShardId ?? null, p.moveId ?? null, version],
        );
      },
      unplace: async (tenant) => {
        await client.query(`DELETE FROM ${s}.placements WHERE tenant = $1`, [tenant]);
      },
    };
  }

  async #insertShard(
    client: pg.ClientBase,
    shard: ShardConfig,
    state: StoredShardState,
    position: number,
    version: number,
  ): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#s}.shards (id, name, primary_url, replica_urls, region, state, position, added_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        shard.id,
        shard.name ?? null,
        shard.primary,
        [...(shard.replicas ?? [])],
        shard.region ?? null,
        state,
        position,
        version,
      ],
    );
  }

  /**
   * LISTENs on the map's channel on a dedicated connection; `onVersion` gets each notified
   * version. Resolves once listening. `close()` ends it. A lost connection calls `onError`; the
   * caller's poll keeps following meanwhile, and it may listen again.
   */
  async listen(
    onVersion: (version: number) => void,
    onError: (error: Error) => void,
  ): Promise<{ close(): Promise<void> }> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    let closed = false;
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload) onVersion(Number(n.payload));
    });
    client.on('error', (error) => {
      if (!closed) onError(error);
    });
    client.on('end', () => {
      if (!closed) onError(new Error('shard map LISTEN connection ended'));
    });
    await client.connect();
    await client.query(`LISTEN ${q(this.channel)}`);
    return {
      close: async () => {
        closed = true;
        await client.end().catch(() => {});
      },
    };
  }

  /** Records that an instance runs with `version` applied (also its heartbeat). */
  async reportApplied(instanceId: string, service: string, version: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#s}.instances (instance_id, service, applied_version) VALUES ($1, $2, $3)
       ON CONFLICT (instance_id) DO UPDATE SET applied_version = EXCLUDED.applied_version, seen_at = now()`,
      [instanceId, service, version],
    );
  }

  async forgetInstance(instanceId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.#s}.instances WHERE instance_id = $1`, [instanceId]);
  }

  /** Instances seen within `withinMs` (the ones a move must wait for). */
  async liveInstances(withinMs: number): Promise<MapInstance[]> {
    const { rows } = await this.pool.query<{
      instance_id: string;
      service: string;
      applied_version: string;
      seen_at: Date;
    }>(
      `SELECT instance_id, service, applied_version::text, seen_at FROM ${this.#s}.instances
        WHERE seen_at > now() - make_interval(secs => $1::float8 / 1000) ORDER BY instance_id`,
      [withinMs],
    );
    return rows.map((r) => ({
      instanceId: r.instance_id,
      service: r.service,
      appliedVersion: Number(r.applied_version),
      seenAt: r.seen_at,
    }));
  }

  /** Registers (or updates) the sharded tables of a service: what a tenant move copies. */
  async registerFootprint(
    service: string,
    tables: readonly Omit<FootprintTable, 'service'>[],
  ): Promise<void> {
    await this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        for (const t of tables) {
          await client.query(
            `INSERT INTO ${this.#s}.footprint (service, table_name, kind, key_column, primary_key) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (service, table_name) DO UPDATE SET kind = EXCLUDED.kind, key_column = EXCLUDED.key_column,
               primary_key = EXCLUDED.primary_key, registered_at = now()`,
            [service, t.table, t.kind, t.keyColumn, [...t.primaryKey]],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async footprint(): Promise<FootprintTable[]> {
    const { rows } = await this.pool.query<{
      service: string;
      table_name: string;
      kind: FootprintTable['kind'];
      key_column: string;
      primary_key: string[];
    }>(
      `SELECT service, table_name, kind, key_column, primary_key FROM ${this.#s}.footprint ORDER BY service, table_name`,
    );
    return rows.map((r) => ({
      service: r.service,
      table: r.table_name,
      kind: r.kind,
      keyColumn: r.key_column,
      primaryKey: r.primary_key,
    }));
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new IntelGraphError(
        'SHARD_MAP_UNAVAILABLE',
        `the shard map database ${String(redactUrl(this.url))} is unreachable: ${(error as Error).message}`,
        { input: redactUrl(this.url), cause: error },
      );
    }
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }
}

function toShard(r: ShardRow): StoredShard {
  return {
    id: r.id,
    ...(r.name ? { name: r.name } : {}),
    primary: r.primary_url,
    replicas: r.replica_urls,
    ...(r.region ? { region: r.region } : {}),
    state: r.state,
  };
}
