import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { ShardRouter } from '../routing/shard-router.js';
import type { Shard, ShardManager } from '../shard-manager.js';
import { ShardMap, type ShardMapSnapshot } from './shard-map.js';
import type { ShardMapStore } from './shard-map-store.js';

export interface ShardMapFollowerOptions {
  readonly store: ShardMapStore;
  readonly manager: ShardManager;
  readonly router: ShardRouter;
  /** Names this instance in the map's `instances` (the service). */
  readonly service: string;
  /** Default `<service>@<host>:<pid>:<random>`. */
  readonly instanceId?: string;
  /** Version poll (and heartbeat) interval, the safety net under LISTEN/NOTIFY. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Runs for a shard the map gained, after its pools exist and before anything is routed to it
   * (a service migrates its tables there). A failure leaves the version unapplied; the next
   * poll retries.
   */
  readonly onShardAdded?: (shard: Shard) => Promise<void>;
  /**
   * Runs for each version applied after the first, once the router routes by it and before it is
   * reported to the store: `previous` is the version this instance routed by until then (versions
   * skipped between polls are not replayed; compare the two, e.g. `relocatedTenants`). So a
   * caller waiting for every live instance to apply a version (a move's switch) also waits for
   * this. A failure is reported as `error`; the version stays applied (routing has switched).
   */
  readonly onApplied?: (map: ShardMap, previous: ShardMap) => Promise<void>;
}

export interface ShardMapFollowerEvents {
  /** A version was applied to the router. */
  applied: [map: ShardMap];
  /** A poll, a LISTEN connection or an apply failed (the follower keeps going). */
  error: [error: Error];
}

/**
 * Keeps one instance's routing on the stored map: LISTENs for the map's NOTIFY and polls its
 * version every `pollIntervalMs`; a newer version is loaded and applied in order — new shards get
 * pools (and `onShardAdded`), then the router switches to the new ring and placements at once.
 * Each applied version is reported to the store (`instances`), which is how a move knows that
 * every live instance routes a tenant to its new shard before it deletes the old rows.
 */
export class ShardMapFollower extends EventEmitter<ShardMapFollowerEvents> {
  readonly instanceId: string;
  readonly #o: Required<Omit<ShardMapFollowerOptions, 'onShardAdded' | 'onApplied' | 'instanceId'>> &
    Pick<ShardMapFollowerOptions, 'onShardAdded' | 'onApplied'>;
  #map: ShardMap | undefined;
  #timer: NodeJS.Timeout | undefined;
  #listener: { close(): Promise<void> } | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #waiters = new Set<{ version: number; resolve: () => void }>();

  constructor(options: ShardMapFollowerOptions) {
    super();
    this.#o = { pollIntervalMs: 1000, ...options };
    this.instanceId =
      options.instanceId ??
      `${options.service}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  get map(): ShardMap {
    if (!this.#map) throw new Error('the shard map follower has not started');
    return this.#map;
  }

  get version(): number {
    return this.#map?.version ?? 0;
  }

  /** Applies `initial`, then follows the store (LISTEN + poll). */
  async start(initial: ShardMapSnapshot): Promise<void> {
    await this.#apply(initial);
    await this.#listen();
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        this.refresh()
          .catch(() => {})
          .finally(() => {
            if (!this.#stopped) tick();
          });
      }, this.#o.pollIntervalMs);
      this.#timer.unref();
    };
    tick();
  }

  async #listen(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#listener = await this.#o.store.listen(
        (version) => {
          if (version > this.version) this.refresh().catch(() => {});
        },
        (error) => {
          this.emit('error', error);
          this.#listener = undefined;
          // Polling keeps following; listen again after a pause.
          setTimeout(() => this.#listen(), Math.max(1000, this.#o.pollIntervalMs)).unref();
        },
      );
    } catch (error) {
      this.emit('error', error as Error);
      setTimeout(() => this.#listen(), Math.max(1000, this.#o.pollIntervalMs)).unref();
    }
  }

  /** Checks the stored version now and applies anything newer (single flight). */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          const stored = await this.#o.store.currentVersion();
          if (stored !== undefined && stored > this.version) {
            const snapshot = await this.#o.store.load();
            if (snapshot && snapshot.version > this.version) await this.#apply(snapshot);
          }
        } while (this.#again && !this.#stopped);
        await this.#o.store.reportApplied(this.instanceId, this.#o.service, this.version);
      } catch (error) {
        this.emit('error', error as Error);
        throw error;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** Resolves once a version ≥ `version` is applied, or after `timeoutMs` (then false). */
  async waitForVersion(version: number, timeoutMs: number): Promise<boolean> {
    if (this.version >= version) return true;
    let waiter: { version: number; resolve: () => void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const applied = await Promise.race([
      new Promise<boolean>((resolve) => {
        waiter = { version, resolve: () => resolve(true) };
        this.#waiters.add(waiter);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (waiter) this.#waiters.delete(waiter);
    return applied;
  }

  async #apply(snapshot: ShardMapSnapshot): Promise<void> {
    const { manager, router } = this.#o;
    const map = new ShardMap(snapshot);
    for (const stored of snapshot.shards) {
      if (manager.shardIds.includes(stored.id)) continue;
      const shard = manager.addShard({
        id: stored.id,
        ...(stored.name ? { name: stored.name } : {}),
        primary: stored.primary,
        replicas: stored.replicas ?? [],
        ...(stored.region ? { region: stored.region } : {}),
      });
      await manager.checkHealth();
      await this.#o.onShardAdded?.(shard);
    }
    const previous = this.#map;
    router.applyMap(map);
    this.#map = map;
    this.emit('applied', map);
    if (previous && this.#o.onApplied)
      await this.#o.onApplied(map, previous).catch((error: unknown) => {
        this.emit('error', error as Error);
      });
    for (const w of [...this.#waiters]) if (map.version >= w.version) w.resolve();
    await this.#o.store
      .reportApplied(this.instanceId, this.#o.service, map.version)
      .catch((error: unknown) => {
        this.emit('error', error as Error);
      });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#refreshing?.catch(() => {});
    await this.#listener?.close();
    await this.#o.store.forgetInstance(this.instanceId).catch(() => {});
  }
}
