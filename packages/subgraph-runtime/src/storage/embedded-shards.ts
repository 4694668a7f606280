import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ShardConfig } from '@intelgraph/database-sharding';
import { PGliteWireServer } from './pglite-wire-server.js';

export interface EmbeddedShardsOptions {
  /** How many shards (each its own PGlite database). */
  readonly count: number;
  /** `memory`, or a directory: shard n keeps its files in `<dataDir>/<service>/shard-<n>`. */
  readonly dataDir: string;
  /** Names the data directory. */
  readonly service: string;
  /**
   * Connections each shard's server accepts (they all take turns on the one PGlite backend).
   * Size it for the ShardManager's pool, its health probe and the outbox relays' listeners.
   * Default 64.
   */
  readonly maxConnections?: number;
  /**
   * Also serve a PGlite database for the stored shard map (`<dataDir>/<service>/shard-map`).
   * Default false.
   */
  readonly withShardMap?: boolean;
}

/*
 * A fresh PGlite runs initdb: 3-12 s of WASM on a busy core. Loading a dump of an initialised,
 * empty data directory takes ~1.5 s. The dump is made once per machine (a file in the temp dir,
 * named by the PGlite version, written atomically) and memoized per process, so every in-memory
 * shard after the very first — any service, any test worker — starts from it. Lazily filled:
 * nothing happens at import time.
 */
const PGLITE_VERSION = '0.5.14';
let template: Promise<Blob> | undefined;
async function emptyDataDir(): Promise<Blob> {
  template ??= (async () => {
    const file = join(tmpdir(), `intelgraph-pglite-${PGLITE_VERSION}-empty-datadir.tar`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const db = await PGlite.create();
      try {
        const dump = (await db.dumpDataDir('none')) as Blob;
        const partial = `${file}.${process.pid}.partial`;
        await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
        await rename(partial, file);
        return dump;
      } finally {
        await db.close();
      }
    }
  })();
  return template;
}

/*
 * Each PGlite is a whole PostgreSQL in WebAssembly, and PostgreSQL's default 128 MB of
 * shared_buffers is memory its WASM heap fills: ~210 MB of RSS per shard, ~1.3 GB for the six
 * shards of `pnpm start`. 16 MB is plenty for development and test data and brings a shard to
 * ~90 MB. (The compiled pglite.wasm is already shared: PGlite caches it per process.)
 */
const EMBEDDED_POSTGRESQL_CONF = ['shared_buffers = 16MB'];

interface RunningShard {
  readonly db: PGlite;
  readonly server: PGliteWireServer;
  readonly config: ShardConfig;
}

/**
 * PostgreSQL shards served by PGlite (Postgres compiled to WebAssembly, in this process), each on
 * a loopback port through a small wire-protocol server (`PGliteWireServer`), so the platform's `pg` code — ShardManager pools,
 * health probes, migrations, the event store — talks to them exactly as to real servers. The
 * embedded default: no service to install, the same SQL, the same code paths.
 */
export class EmbeddedShards {
  readonly #options: Required<EmbeddedShardsOptions>;
  #running: RunningShard[] = [];
  #map: { db: PGlite; server: PGliteWireServer; url: string } | undefined;

  constructor(options: EmbeddedShardsOptions) {
    this.#options = { maxConnections: 64, withShardMap: false, ...options };
  }

  /** URL of the embedded shard map database (with `withShardMap`), valid once `start()` resolved. */
  get shardMapUrl(): string | undefined {
    return this.#map?.url;
  }

  /** Shard configs for `new ShardManager({ shards })`, valid once `start()` resolved. */
  get shards(): ShardConfig[] {
    return this.#running.map((s) => s.config);
  }

  async start(): Promise<ShardConfig[]> {
    const { count, dataDir, service, maxConnections } = this.#options;
    // Sequential: PGlite start-up is CPU-bound (WASM compile + initdb); in parallel it is no faster.
    const open = async (name: string): Promise<{ db: PGlite; server: PGliteWireServer; address: string }> => {
      let dir: string | undefined;
      if (dataDir !== 'memory') {
        dir = resolve(join(dataDir, service, name));
        await mkdir(dir, { recursive: true });
      }
      const postgresqlconf = EMBEDDED_POSTGRESQL_CONF;
      const db =
        dir === undefined
          ? await PGlite.create({ loadDataDir: await emptyDataDir(), postgresqlconf })
          : await PGlite.create({ dataDir: dir, relaxedDurability: true, postgresqlconf });
      const server = new PGliteWireServer(db, { maxConnections });
      return { db, server, address: await server.listen('127.0.0.1', 0) };
    };
    if (this.#options.withShardMap) {
      const { db, server, address } = await open('shard-map');
      this.#map = { db, server, url: `postgres://postgres@${address}/postgres` };
    }
    for (let n = 0; n < count; n += 1) {
      const { db, server, address } = await open(`shard-${n}`);
      this.#running.push({
        db,
        server,
        config: { id: `embedded-${n}`, primary: `postgres://postgres@${address}/postgres`, replicas: [] },
      });
    }
    return this.shards;
  }

  /** Stops the servers, then closes the databases (flushing them to disk when persistent). */
  async stop(): Promise<void> {
    const running = this.#running;
    this.#running = [];
    if (this.#map) running.push({ ...this.#map, config: { id: 'shard-map', primary: this.#map.url } });
    this.#map = undefined;
    for (const shard of running) {
      await shard.server.close().catch(() => {});
      await shard.db.close().catch(() => {});
    }
  }
}
