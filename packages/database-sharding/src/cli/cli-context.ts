import { IntelGraphError } from '@intelgraph/errors';
import { TenantTable } from '../move/tenant-table.js';
import { ShardManager } from '../shard-manager.js';
import type { ShardMapSnapshot } from '../topology/shard-map.js';
import { ShardMapStore } from '../topology/shard-map-store.js';

/** Where the CLI writes: stdout for results (one JSON document with --json), stderr for progress. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * What a command works with: the stored map (its database from --map-url or SHARD_MAP_URL), pools
 * on every shard of the map (opened on first use, one health round done), the registered
 * footprint. One per invocation; `close()` ends every connection.
 */
export class CliContext {
  readonly store: ShardMapStore;
  readonly io: CliIo;
  readonly quiet: boolean;
  #manager: ShardManager | undefined;

  constructor(mapUrl: string, io: CliIo, quiet: boolean) {
    this.store = new ShardMapStore({ url: mapUrl, poolMax: 3 });
    this.io = io;
    this.quiet = quiet;
  }

  progress(line: string): void {
    if (!this.quiet) this.io.stderr(`${line}\n`);
  }

  /** The stored map; `SHARD_MAP_UNAVAILABLE` when there is none. */
  async snapshot(): Promise<ShardMapSnapshot> {
    let snapshot: ShardMapSnapshot | undefined;
    try {
      snapshot = await this.store.load();
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
    }
    if (!snapshot)
      throw new IntelGraphError(
        'SHARD_MAP_UNAVAILABLE',
        'no shard map is stored in this database: `intelgraph-shards init --shards <DATABASE_SHARDS>`, or start a service with DATABASE_SHARDS and SHARD_MAP_URL',
      );
    return snapshot;
  }

  /** Pools on every shard of the map, after one health round (new shards are added as the map grows). */
  async manager(): Promise<ShardManager> {
    const snapshot = await this.snapshot();
    if (!this.#manager) {
      this.#manager = new ShardManager({
        strategy: 'hash',
        shards: snapshot.shards,
        virtualNodes: snapshot.virtualNodes,
        pool: { primaryMax: 4, replicaMax: 2, connectionTimeoutMs: 5000, queryTimeoutMs: 0 },
        health: { intervalMs: 500, timeoutMs: 2000 },
      });
      await this.#manager.start();
    }
    for (const s of snapshot.shards)
      if (!this.#manager.shardIds.includes(s.id)) {
        this.#manager.addShard(s);
        await this.#manager.checkHealth();
      }
    return this.#manager;
  }

  /** The footprint's tables, each once. */
  async tables(): Promise<TenantTable[]> {
    const seen = new Map<string, TenantTable>();
    for (const t of await this.store.footprint())
      if (!seen.has(t.table)) seen.set(t.table, new TenantTable(t));
    return [...seen.values()];
  }

  async close(): Promise<void> {
    await this.#manager?.stop();
    await this.store.close();
  }
}
