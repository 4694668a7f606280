import { IntelGraphError } from '@intelgraph/errors';
import { Cron } from 'croner';
import type { MultiTierCache } from '../cache/multi-tier-cache.js';

export interface WarmingStrategy<T = unknown> {
  /** The keys to warm, or a function listing them at each run (e.g. the most read entities). */
  readonly keys: readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
  /** Loads one key's value from the source of truth. */
  readonly loader: (key: string) => T | Promise<T>;
  /** Cron expression (croner syntax, 5 or 6 fields); without it the strategy runs only on `runNow`. */
  readonly schedule?: string;
  /** Keys loaded at once. Default `4`. */
  readonly parallel?: number;
  /** TTL of warmed entries, seconds. Default: the cache's `defaultTTL`. */
  readonly ttl?: number;
  readonly tags?: readonly string[];
  /** Time zone of the schedule (IANA name). Default: the process's. */
  readonly timezone?: string;
}

export interface WarmingReport {
  readonly strategy: string;
  readonly keys: number;
  readonly loaded: number;
  readonly failed: number;
  /** The first errors (at most 20), with the key that failed. */
  readonly errors: readonly { readonly key: string; readonly error: unknown }[];
  readonly durationMs: number;
}

interface Registered {
  readonly strategy: WarmingStrategy;
  readonly job: Cron | undefined;
  running: Promise<WarmingReport> | undefined;
  last: WarmingReport | undefined;
}

/**
 * Fills the cache before readers ask: each strategy lists keys and loads them with bounded
 * parallelism, on a cron schedule (croner) and on demand. A run overwrites what is cached (it is
 * a refresh, not a fill-if-missing); a run that is still going when the next is due is not
 * started twice; one key failing does not stop the others.
 */
export class CacheWarmer {
  readonly #cache: MultiTierCache;
  readonly #strategies = new Map<string, Registered>();

  constructor(cache: MultiTierCache) {
    this.#cache = cache;
  }

  registerStrategy<T>(name: string, strategy: WarmingStrategy<T>): void {
    if (this.#strategies.has(name)) {
      throw new IntelGraphError(
        'CACHE_STRATEGY_UNKNOWN',
        `Warming strategy '${name}' is already registered`,
        {
          input: name,
          details: { known: [...this.#strategies.keys()] },
        },
      );
    }
    const parallel = strategy.parallel ?? 4;
    if (!Number.isInteger(parallel) || parallel < 1) {
      throw new IntelGraphError(
        'CONFIG_INVALID',
        `Warming strategy '${name}': parallel=${parallel}, expected an integer >= 1`,
        {
          input: parallel,
          details: { field: 'parallel' },
        },
      );
    }
    if (typeof strategy.loader !== 'function') {
      throw new IntelGraphError('CONFIG_INVALID', `Warming strategy '${name}': loader must be a function`, {
        details: { field: 'loader' },
      });
    }
    let job: Cron | undefined;
    if (strategy.schedule !== undefined) {
      try {
        job = new Cron(
          strategy.schedule,
          {
            protect: true,
            unref: true,
            catch: true,
            ...(strategy.timezone ? { timezone: strategy.timezone } : {}),
          },
          () => {
            void this.runNow(name);
          },
        );
      } catch (cause) {
        throw new IntelGraphError(
          'CONFIG_INVALID',
          `Warming strategy '${name}': bad cron schedule '${strategy.schedule}'`,
          {
            input: strategy.schedule,
            cause,
            details: { field: 'schedule' },
          },
        );
      }
    }
    this.#strategies.set(name, {
      strategy: strategy as WarmingStrategy,
      job,
      running: undefined,
      last: undefined,
    });
  }

  /** Names of the registered strategies. */
  get strategies(): string[] {
    return [...this.#strategies.keys()];
  }

  /** When the strategy runs next on its schedule (null without one). */
  nextRun(name: string): Date | null {
    return this.#get(name).job?.nextRun() ?? null;
  }

  /** The report of the strategy's last finished run. */
  lastReport(name: string): WarmingReport | undefined {
    return this.#get(name).last;
  }

  /** Runs one strategy now (joining its run if one is going), or all of them. */
  runNow(name: string): Promise<WarmingReport>;
  runNow(): Promise<WarmingReport[]>;
  runNow(name?: string): Promise<WarmingReport | WarmingReport[]> {
    if (name === undefined) return Promise.all(this.strategies.map((n) => this.runNow(n)));
    let registered: Registered;
    try {
      registered = this.#get(name);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!registered.running) {
      registered.running = this.#run(name, registered.strategy).then((report) => {
        registered.running = undefined;
        registered.last = report;
        return report;
      });
    }
    return registered.running;
  }

  /** Stops one strategy's schedule and forgets it. */
  unregister(name: string): void {
    this.#get(name).job?.stop();
    this.#strategies.delete(name);
  }

  /** Stops every schedule (runs in progress finish). */
  stop(): void {
    for (const registered of this.#strategies.values()) registered.job?.stop();
  }

  #get(name: string): Registered {
    const registered = this.#strategies.get(name);
    if (!registered) {
      throw new IntelGraphError('CACHE_STRATEGY_UNKNOWN', `No warming strategy named '${name}'`, {
        input: name,
        details: { known: [...this.#strategies.keys()] },
      });
    }
    return registered;
  }

  async #run(name: string, strategy: WarmingStrategy): Promise<WarmingReport> {
    const started = Date.now();
    const errors: { key: string; error: unknown }[] = [];
    let keys: readonly string[];
    try {
      keys = typeof strategy.keys === 'function' ? await strategy.keys() : strategy.keys;
    } catch (error) {
      return {
        strategy: name,
        keys: 0,
        loaded: 0,
        failed: 1,
        errors: [{ key: '*', error }],
        durationMs: Date.now() - started,
      };
    }
    let next = 0;
    let loaded = 0;
    let failed = 0;
    const options = {
      ...(strategy.ttl === undefined ? {} : { ttl: strategy.ttl }),
      ...(strategy.tags === undefined ? {} : { tags: strategy.tags }),
    };
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          await this.#cache.set(key, await strategy.loader(key), options);
          loaded++;
        } catch (error) {
          failed++;
          if (errors.length < 20) errors.push({ key, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(strategy.parallel ?? 4, keys.length) }, worker));
    return { strategy: name, keys: keys.length, loaded, failed, errors, durationMs: Date.now() - started };
  }
}
