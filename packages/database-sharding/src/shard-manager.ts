import { EventEmitter } from 'node:events';
import { IntelGraphError } from '@intelgraph/errors';
import {
  type ResolvedShard,
  type ResolvedShardManagerOptions,
  resolveShardManagerOptions,
  type ShardConfig,
  type ShardManagerOptions,
  shardConfigSchema,
} from './config/shard-manager-options.js';
import { ShardMetrics } from './metrics/shard-metrics.js';
import type { WriteMark } from './query/read-your-writes.js';
import { HealthProbe } from './replicas/health-probe.js';
import { ReplicaLagTracker } from './replicas/replica-lag.js';
import {
  type ResolveAddresses,
  replicaSetHost,
  replicaSetMemberUrl,
  resolveAllAddresses,
} from './replicas/replica-set.js';
import { type ShardAvailability, shardAvailability } from './replicas/shard-availability.js';
import { type NodeHealth, ShardNode } from './replicas/shard-node.js';

/** One logical shard: its primary and its replicas. */
export interface Shard {
  readonly id: string;
  readonly name: string;
  readonly region: string | undefined;
  readonly config: ResolvedShard;
  readonly primary: ShardNode;
  readonly replicas: readonly ShardNode[];
}

export type ShardManagerState = 'created' | 'started' | 'stopped';

export interface ShardManagerEvents {
  /** A node changed status (up ↔ down) or a replica crossed the lag limit. */
  health: [node: ShardNode, health: NodeHealth];
  /** A pooled idle client errored (server restart, network). */
  poolError: [node: ShardNode, error: Error];
  /**
   * A replica set (`?resolve=addresses`) of the shard resolved to other servers: `added` get
   * pools and probes (read from once a probe shows them in recovery and fresh enough), `removed`
   * are closed.
   */
  replicas: [shardId: string, added: readonly ShardNode[], removed: readonly ShardNode[]];
}

/** A replica URL naming a set of servers, and the member node of each address it resolved to. */
interface ReplicaSet {
  readonly url: string;
  readonly host: string;
  readonly members: Map<string, ShardNode>;
}

/** A shard as the manager holds it: `replicas` is replaced (never changed in place) when a set's members change. */
type ManagedShard = Omit<Shard, 'replicas'> & { replicas: readonly ShardNode[] };

/**
 * Owns the shards: one `pg.Pool` per primary and per replica (each with a connect timeout and an
 * `error` listener), and the health loop that finds each node's role and replica lag. Routing is
 * the ShardRouter's job, running statements the QueryDistributor's.
 */
export class ShardManager extends EventEmitter<ShardManagerEvents> {
  readonly options: ResolvedShardManagerOptions;
  readonly metrics: ShardMetrics | undefined;
  #state: ShardManagerState = 'created';
  readonly #shards = new Map<string, ManagedShard>();
  /** Per shard with replica sets: its one-server replicas, and its sets. */
  readonly #replicaSets = new Map<string, { fixed: readonly ShardNode[]; sets: readonly ReplicaSet[] }>();
  readonly #resolve: ResolveAddresses;
  readonly #probes = new Map<ShardNode, HealthProbe>();
  readonly #lag = new Map<string, ReplicaLagTracker>();
  readonly #roundRobin = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;

  constructor(options: ShardManagerOptions) {
    super();
    this.options = resolveShardManagerOptions(options);
    this.#resolve = options.resolveAddresses ?? resolveAllAddresses;
    this.metrics = this.options.metrics
      ? new ShardMetrics(this.options.metrics.registry, this.options.metrics.prefix)
      : undefined;
    for (const shard of this.options.shards) this.#addShard(shard);
  }

  get state(): ShardManagerState {
    return this.#state;
  }

  get shardIds(): string[] {
    return [...this.#shards.keys()];
  }

  get shardKeyField(): string {
    return this.options.shardKeyField;
  }

  get shards(): Shard[] {
    return [...this.#shards.values()];
  }

  shard(id: string): Shard {
    const shard = this.#shards.get(id);
    if (!shard)
      throw new IntelGraphError('SHARD_UNAVAILABLE', `no shard '${id}' is configured`, {
        input: id,
        details: { shardId: id },
      });
    return shard;
  }

  /** Probes every node once, then keeps probing every `health.intervalMs`. */
  async start(): Promise<void> {
    if (this.#state === 'started') return;
    if (this.#state === 'stopped')
      throw new IntelGraphError('INTERNAL_ERROR', 'a stopped ShardManager cannot be restarted');
    this.#state = 'started';
    await this.checkHealth();
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        this.checkHealth().finally(() => {
          if (this.#state === 'started') tick();
        });
      }, this.options.health.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    await this.#round?.catch(() => {});
    for (const probe of this.#probes.values()) probe.close();
    // pool.end() waits for each client's goodbye; a partitioned server never answers, and a
    // shutdown must not hang on it: give up waiting after the connect timeout.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.pool.connectionTimeoutMs);
    });
    await Promise.race([Promise.all(this.allNodes().map((n) => n.pool.end().catch(() => {}))), giveUp]);
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Adds a shard at run time (its pools and health checks) without routing anything to it:
   * the rebalancer switches routing once the shard holds its rows.
   */
  addShard(config: ShardConfig): Shard {
    const parsed = shardConfigSchema.safeParse(config);
    if (!parsed.success || this.#shards.has(config.id)) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `shard ${JSON.stringify(config.id)}: ${parsed.success ? 'duplicate shard id' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        { input: config.id },
      );
    }
    const s = parsed.data;
    return this.#addShard({
      id: s.id,
      name: s.name ?? s.id,
      primary: s.primary,
      replicas: s.replicas,
      region: s.region,
      range: s.range,
    });
  }

  #makeNode(
    shardId: string,
    role: 'primary' | 'replica',
    url: string,
    index: number,
    address?: string,
  ): ShardNode {
    const { pool } = this.options;
    const node = new ShardNode({
      shardId,
      role,
      index,
      ...(address !== undefined ? { label: address, address } : {}),
      url,
      max: role === 'primary' ? pool.primaryMax : pool.replicaMax,
      connectionTimeoutMs: pool.connectionTimeoutMs,
      idleTimeoutMs: pool.idleTimeoutMs,
      queryTimeoutMs: pool.queryTimeoutMs,
      onPoolError: (n, error) => {
        this.emit('poolError', n, error);
      },
    });
    this.#probes.set(node, new HealthProbe(node, this.options.health.timeoutMs));
    this.metrics?.track(node);
    return node;
  }

  #addShard(config: ResolvedShard): Shard {
    const fixed: ShardNode[] = [];
    const sets: ReplicaSet[] = [];
    config.replicas.forEach((url, i) => {
      const host = replicaSetHost(url);
      if (host === undefined) fixed.push(this.#makeNode(config.id, 'replica', url, i));
      else sets.push({ url, host, members: new Map() });
    });
    const shard: ManagedShard = {
      id: config.id,
      name: config.name,
      region: config.region,
      config,
      primary: this.#makeNode(config.id, 'primary', config.primary, 0),
      // A replica set's members exist once its host is resolved (each health round).
      replicas: fixed,
    };
    this.#shards.set(config.id, shard);
    if (sets.length > 0) this.#replicaSets.set(config.id, { fixed, sets });
    // Keep ~10 minutes (or 20 lag limits) of primary LSN samples for lag estimates.
    this.#lag.set(
      config.id,
      new ReplicaLagTracker(Math.max(600_000, this.options.health.maxReplicaLagMs * 20)),
    );
    return shard;
  }

  allNodes(): ShardNode[] {
    return this.shards.flatMap((s) => [s.primary, ...s.replicas]);
  }

  /** One health round over every node (concurrent); resolves when all probes settle. */
  checkHealth(): Promise<void> {
    if (this.#round) return this.#round;
    this.#round = Promise.all(this.shards.map((s) => this.#checkShard(s))).then(
      () => {
        this.#round = undefined;
      },
      () => {
        this.#round = undefined;
      },
    );
    return this.#round;
  }

  /**
   * Resolves the shard's replica sets again: an address that appeared gets a node (not read from
   * before a probe shows it in recovery within the lag limit, and for read-your-writes shows it
   * has replayed the write — the same rules as any replica), one that disappeared has its node
   * closed. A resolution that fails or times out keeps the members the set had.
   */
  async #refreshReplicaSets(shard: ManagedShard): Promise<void> {
    const entry = this.#replicaSets.get(shard.id);
    if (!entry) return;
    const answers = await Promise.allSettled(entry.sets.map((set) => this.#resolveWithin(set.host)));
    const added: ShardNode[] = [];
    const removed: ShardNode[] = [];
    // One node per server even if two sets of the shard (or a set twice) resolve to it.
    const claimed = new Set<string>();
    entry.sets.forEach((set, i) => {
      const answer = answers[i]!;
      if (answer.status === 'rejected') {
        for (const address of set.members.keys()) claimed.add(address);
        return;
      }
      const wanted = new Set(answer.value.filter((address) => !claimed.has(address)));
      for (const [address, node] of set.members) {
        if (wanted.has(address)) continue;
        set.members.delete(address);
        removed.push(node);
      }
      for (const address of [...wanted].sort()) {
        claimed.add(address);
        if (set.members.has(address)) continue;
        const node = this.#makeNode(shard.id, 'replica', replicaSetMemberUrl(set.url), -1, address);
        set.members.set(address, node);
        added.push(node);
      }
    });
    if (added.length === 0 && removed.length === 0) return;
    shard.replicas = [
      ...entry.fixed,
      ...entry.sets.flatMap((set) =>
        [...set.members.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, node]) => node),
      ),
    ];
    for (const node of removed) this.#retire(node);
    this.emit('replicas', shard.id, added, removed);
  }

  #resolveWithin(host: string): Promise<readonly string[]> {
    const ms = this.options.health.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`resolving ${host} took over ${ms} ms`)), ms);
    });
    return Promise.race([this.#resolve(host), timeout]).finally(() => clearTimeout(timer));
  }

  /** Closes a replica that left its set: its probe, its metrics, its pool (clients in use finish first). */
  #retire(node: ShardNode): void {
    this.#probes.get(node)?.close();
    this.#probes.delete(node);
    this.metrics?.untrack(node);
    node.pool.end().catch(() => {});
  }

  async #checkShard(shard: ManagedShard): Promise<void> {
    await this.#refreshReplicaSets(shard);
    const nodes = [shard.primary, ...shard.replicas];
    const startedAt = Date.now();
    const results = await Promise.allSettled(nodes.map((n) => this.#probes.get(n)!.probe()));
    const now = Date.now();
    const tracker = this.#lag.get(shard.id)!;
    const primaryResult = results[0]!;
    if (primaryResult.status === 'fulfilled' && !primaryResult.value.inRecovery)
      tracker.recordPrimary(primaryResult.value.lsn, startedAt);
    nodes.forEach((node, i) => {
      const result = results[i]!;
      const before = node.health;
      if (result.status === 'rejected') {
        node.update({
          status: 'down',
          checkedAt: now,
          lastError: (result.reason as Error)?.message ?? String(result.reason),
        });
      } else {
        const { inRecovery, lsn } = result.value;
        const replica = node.role === 'replica' && inRecovery;
        const lagMs = replica ? (tracker.lagMs(lsn, now) ?? before.lagMs) : undefined;
        const syncedAt = replica ? tracker.syncedAt(lsn) : undefined;
        node.update({ status: 'up', inRecovery, lsn, lagMs, syncedAt, checkedAt: now, lastError: undefined });
      }
      const after = node.health;
      const limit = this.options.health.maxReplicaLagMs;
      const lagCrossed = (before.lagMs ?? 0) > limit !== (after.lagMs ?? 0) > limit;
      if (before.status !== after.status || lagCrossed) this.emit('health', node, after);
    });
  }

  /** The node that takes writes for `shardId`; `SHARD_UNAVAILABLE` naming the shard when it is down. */
  writer(shardId: string): ShardNode {
    const shard = this.shard(shardId);
    const node = shard.primary;
    if (node.health.status === 'down')
      throw unavailable(shard.id, `primary of shard '${shard.id}' is unreachable`, node.health.lastError);
    if (node.health.inRecovery === true)
      throw unavailable(shard.id, `primary of shard '${shard.id}' is in recovery (read-only)`, undefined);
    return node;
  }

  /**
   * A node to read from: a healthy, in-recovery replica within `maxReplicaLagMs` (round robin),
   * and if `written` is given (read-your-writes) one known to have replayed that write (its
   * replay LSN has reached the write's, or it caught up with the primary after the write's
   * time); else the primary. With the primary down too, any replica still up (stale reads beat
   * no reads) that has replayed `written`, if given.
   * `exclude` skips a node that just failed.
   */
  reader(shardId: string, written?: WriteMark, exclude?: ShardNode): ShardNode {
    const shard = this.shard(shardId);
    const limit = this.options.health.maxReplicaLagMs;
    const eligible = shard.replicas.filter(
      (r) =>
        r !== exclude &&
        r.health.status === 'up' &&
        r.health.inRecovery === true &&
        r.health.lagMs !== undefined &&
        r.health.lagMs <= limit &&
        hasReplayed(r, written),
    );
    if (eligible.length > 0) {
      const n = this.#roundRobin.get(shardId) ?? 0;
      this.#roundRobin.set(shardId, (n + 1) % 1_000_000);
      return eligible[n % eligible.length]!;
    }
    const primary = shard.primary;
    if (primary !== exclude && primary.health.status !== 'down') return primary;
    const stale = shard.replicas.find(
      (r) =>
        r !== exclude && r.health.status === 'up' && r.health.inRecovery === true && hasReplayed(r, written),
    );
    if (stale) return stale;
    throw unavailable(shard.id, `no node of shard '${shard.id}' can serve reads`, primary.health.lastError);
  }

  /**
   * Read-your-writes without the primary: a session's write newer than the replicas' last probes
   * would send its reads to the primary (and, the moment a primary stops answering, into a hang
   * until it is marked down). Instead, a replica that is healthy and fresh enough is asked for its
   * replay position now (the health probe's one cheap query, on its own connection, within the
   * probe timeout); the first that has replayed the write serves the read, and its known position
   * moves on for every session. Undefined when none has (or the write has no LSN).
   */
  async replayedReplica(
    shardId: string,
    written: WriteMark,
    exclude?: ShardNode,
  ): Promise<ShardNode | undefined> {
    if (written.lsn === undefined) return undefined;
    const limit = this.options.health.maxReplicaLagMs;
    for (const replica of this.shard(shardId).replicas) {
      const h = replica.health;
      if (replica === exclude || h.status !== 'up' || h.inRecovery !== true) continue;
      if (h.lagMs === undefined || h.lagMs > limit) continue;
      const probe = this.#probes.get(replica);
      if (!probe) continue;
      try {
        const now = await probe.probe();
        if (!now.inRecovery) continue;
        if ((replica.health.lsn ?? 0) < now.lsn) replica.update({ lsn: now.lsn });
        if (now.lsn >= written.lsn) return replica;
      } catch {
        // The health loop judges the node; this read goes elsewhere.
      }
    }
    return undefined;
  }

  /**
   * What each shard can do now (`ok`: writable; `degraded`: reads only, from a replica;
   * `unavailable`: nothing), from the last health round: what a service's `/ready` reports.
   */
  availability(shardIds: readonly string[] = this.shardIds): ShardAvailability[] {
    return shardIds.map((id) => {
      const shard = this.shard(id);
      return shardAvailability(id, shard.primary, shard.replicas, this.options.health.maxReplicaLagMs);
    });
  }

  /** A snapshot of every node's health, for `/ready` and diagnostics. */
  health(): Array<{ shardId: string; node: string; role: string } & NodeHealth> {
    return this.allNodes().map((n) => ({ shardId: n.shardId, node: n.id, role: n.role, ...n.health }));
  }
}

/** Whether a replica is known to have replayed `written` (always, without a write to see). */
function hasReplayed(replica: ShardNode, written: WriteMark | undefined): boolean {
  if (written === undefined) return true;
  if ((replica.health.syncedAt ?? 0) >= written.at) return true;
  return written.lsn !== undefined && replica.health.lsn !== undefined && replica.health.lsn >= written.lsn;
}

export function unavailable(shardId: string, message: string, cause: unknown): IntelGraphError {
  return new IntelGraphError('SHARD_UNAVAILABLE', message, { input: shardId, cause, details: { shardId } });
}
