import { randomUUID } from 'node:crypto';
import {
  CloudFrontClient,
  type CloudFrontClientConfig,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { IntelGraphError } from '@intelgraph/errors';
import type { CdnInvalidationTarget } from '../cdn-invalidation-target.js';
import { CLOUDFRONT_LIMITS, type InvalidationItem, pathItem, tagItem } from './invalidation-items.js';

export interface CloudFrontInvalidatorOptions {
  readonly distributionId: string;
  /** An SDK client; otherwise one is made from `clientConfig`. */
  readonly client?: CloudFrontClient;
  readonly clientConfig?: CloudFrontClientConfig;
  /** Requests arriving within this window go in one invalidation, ms. Default `200`. */
  readonly batchWindowMs?: number;
  /** Default 3,000 (CloudFront's limit); lower it to leave room for other tools. */
  readonly maxPathsInFlight?: number;
  /** Default 15 (CloudFront's limit). */
  readonly maxWildcardsInFlight?: number;
  /** How often invalidations in progress are checked for completion, ms. Default `10_000`. */
  readonly pollIntervalMs?: number;
  /** Attempts for one batch on TooManyInvalidationsInProgress / throttling. Default `8`. */
  readonly maxAttempts?: number;
  /** First backoff delay, doubled per attempt with jitter, ms. Default `1000`. */
  readonly baseDelayMs?: number;
  /** Longest backoff delay, ms. Default `60_000`. */
  readonly maxDelayMs?: number;
}

export interface InFlightSummary {
  readonly invalidations: number;
  readonly paths: number;
  readonly wildcards: number;
}

interface Waiter {
  remaining: number;
  resolve(): void;
  reject(error: unknown): void;
}

interface InFlight {
  readonly paths: number;
  readonly wildcards: number;
}

const RETRYABLE = new Set(['TooManyInvalidationsInProgress', 'Throttling', 'ThrottlingException']);

/**
 * Purges CloudFront by path and by cache tag (`#tag`, distributions with a CacheTagConfig).
 * Calls within `batchWindowMs` are merged into one CreateInvalidation and de-duplicated; batches
 * are sized so that what is in progress never exceeds CloudFront's limits (3,000 paths, 15
 * wildcards, counting invalidations started by others, learnt from ListInvalidations); a batch
 * refused with TooManyInvalidationsInProgress is retried with exponential backoff. Each call's
 * promise resolves when CloudFront has accepted all of its items.
 */
export class CloudFrontInvalidator implements CdnInvalidationTarget {
  readonly #client: CloudFrontClient;
  readonly #distributionId: string;
  readonly #windowMs: number;
  readonly #maxPaths: number;
  readonly #maxWildcards: number;
  readonly #pollMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #pending = new Map<string, { item: InvalidationItem; waiters: Waiter[] }>();
  readonly #inFlight = new Map<string, InFlight>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #synced = false;
  #stopped = false;
  #stopping = false;

  constructor(options: CloudFrontInvalidatorOptions) {
    if (typeof options?.distributionId !== 'string' || options.distributionId.length === 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'CloudFrontInvalidator: distributionId is required', {
        input: options?.distributionId,
        details: { field: 'distributionId' },
      });
    }
    this.#distributionId = options.distributionId;
    this.#client = options.client ?? new CloudFrontClient(options.clientConfig ?? {});
    this.#windowMs = options.batchWindowMs ?? 200;
    this.#maxPaths = Math.min(
      options.maxPathsInFlight ?? CLOUDFRONT_LIMITS.maxPathsInFlight,
      CLOUDFRONT_LIMITS.maxPathsInFlight,
    );
    this.#maxWildcards = Math.min(
      options.maxWildcardsInFlight ?? CLOUDFRONT_LIMITS.maxWildcardsInFlight,
      CLOUDFRONT_LIMITS.maxWildcardsInFlight,
    );
    this.#pollMs = options.pollIntervalMs ?? 10_000;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  invalidatePaths(paths: readonly string[]): Promise<void> {
    try {
      return this.#enqueue(paths.map(pathItem));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    try {
      return this.#enqueue(tags.map(tagItem));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** What this invalidator counts as in progress at CloudFront (its own and others'). */
  get inFlight(): InFlightSummary {
    let paths = 0;
    let wildcards = 0;
    for (const f of this.#inFlight.values()) {
      paths += f.paths;
      wildcards += f.wildcards;
    }
    return { invalidations: this.#inFlight.size, paths, wildcards };
  }

  /** Submits what is pending now instead of at the end of the window. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#drain());
    return this.#flushing;
  }

  /**
   * Submits what is pending and fits within the limits now, then stops; what would have to wait
   * for invalidations in progress is rejected with CACHE_CDN_INVALIDATION_FAILED.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.flush();
    this.#stopped = true;
  }

  #enqueue(items: readonly InvalidationItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: 0, resolve, reject };
      const unique = new Map<string, InvalidationItem>();
      for (const item of items) if (!unique.has(item.id)) unique.set(item.id, item);
      waiter.remaining = unique.size;
      for (const item of unique.values()) {
        const pending = this.#pending.get(item.id);
        if (pending) pending.waiters.push(waiter);
        else this.#pending.set(item.id, { item, waiters: [waiter] });
      }
      this.#timer ??= setTimeout(() => void this.flush(), this.#windowMs);
    });
  }

  async #drain(): Promise<void> {
    if (!this.#synced) await this.#syncInFlight();
    while (this.#pending.size > 0 && !this.#stopped) {
      await this.#refreshInFlight();
      const batch = this.#takeBatch();
      if (batch.length === 0) {
        if (this.#stopping) {
          this.#rejectPending('the invalidator was stopped while CloudFront was at its limit');
          return;
        }
        // Full: wait for invalidations in progress to complete.
        await sleep(this.#pollMs);
        continue;
      }
      await this.#submit(batch);
    }
  }

  #rejectPending(reason: string): void {
    const items = [...this.#pending.values()];
    this.#pending.clear();
    const failure = new IntelGraphError(
      'CACHE_CDN_INVALIDATION_FAILED',
      `CloudFront invalidation not submitted: ${reason}`,
      {
        details: { paths: items.map((p) => p.item.value), distributionId: this.#distributionId },
      },
    );
    for (const { waiters } of items) for (const w of waiters) w.reject(failure);
  }

  /** Takes as many pending items as fit in what CloudFront still allows in progress. */
  #takeBatch(): { item: InvalidationItem; waiters: Waiter[] }[] {
    const used = this.inFlight;
    let paths = this.#maxPaths - used.paths;
    let wildcards = this.#maxWildcards - used.wildcards;
    const batch: { item: InvalidationItem; waiters: Waiter[] }[] = [];
    for (const [id, pending] of this.#pending) {
      if (paths <= 0) break;
      if (pending.item.wildcard) {
        if (wildcards <= 0) continue;
        wildcards--;
      } else {
        paths--;
      }
      batch.push(pending);
      this.#pending.delete(id);
    }
    return batch;
  }

  async #submit(batch: { item: InvalidationItem; waiters: Waiter[] }[]): Promise<void> {
    const items = batch.map((b) => b.item.value);
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      try {
        const out = await this.#client.send(
          new CreateInvalidationCommand({
            DistributionId: this.#distributionId,
            InvalidationBatch: {
              CallerReference: randomUUID(),
              Paths: { Quantity: items.length, Items: items },
            },
          }),
        );
        const id = out.Invalidation?.Id ?? randomUUID();
        if (out.Invalidation?.Status !== 'Completed') {
          this.#inFlight.set(id, {
            paths: batch.filter((b) => !b.item.wildcard).length,
            wildcards: batch.filter((b) => b.item.wildcard).length,
          });
        }
        for (const { waiters } of batch) for (const w of waiters) if (--w.remaining === 0) w.resolve();
        return;
      } catch (error) {
        lastError = error;
        if (!RETRYABLE.has((error as Error).name) || attempt === this.#maxAttempts) break;
        // Others may have started invalidations: learn them, then back off.
        await this.#syncInFlight();
        const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
    const failure = new IntelGraphError(
      'CACHE_CDN_INVALIDATION_FAILED',
      `CloudFront refused an invalidation of ${items.length} item(s) for distribution ${this.#distributionId}: ${(lastError as Error)?.name ?? lastError}`,
      { cause: lastError, details: { paths: items, distributionId: this.#distributionId } },
    );
    for (const { waiters } of batch) for (const w of waiters) w.reject(failure);
  }

  /** Learns invalidations in progress that this instance did not start (other instances, the console). */
  async #syncInFlight(): Promise<void> {
    try {
      const list = await this.#client.send(
        new ListInvalidationsCommand({ DistributionId: this.#distributionId, MaxItems: 100 }),
      );
      const inProgress = (list.InvalidationList?.Items ?? []).filter((s) => s.Status !== 'Completed' && s.Id);
      const live = new Set(inProgress.map((s) => s.Id!));
      for (const id of this.#inFlight.keys()) if (!live.has(id)) this.#inFlight.delete(id);
      for (const summary of inProgress) {
        if (this.#inFlight.has(summary.Id!)) continue;
        const got = await this.#client.send(
          new GetInvalidationCommand({ DistributionId: this.#distributionId, Id: summary.Id! }),
        );
        const items = got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [];
        const wildcards = items.filter((p) => p.endsWith('*')).length;
        this.#inFlight.set(summary.Id!, { paths: items.length - wildcards, wildcards });
      }
      this.#synced = true;
    } catch {
      // Listing is an optimisation: CreateInvalidation's own refusal still protects the limits.
    }
  }

  /** Drops invalidations that have completed. */
  async #refreshInFlight(): Promise<void> {
    for (const id of [...this.#inFlight.keys()]) {
      try {
        const got = await this.#client.send(
          new GetInvalidationCommand({ DistributionId: this.#distributionId, Id: id }),
        );
        if (got.Invalidation?.Status === 'Completed') this.#inFlight.delete(id);
      } catch (error) {
        if ((error as Error).name === 'NoSuchInvalidation') this.#inFlight.delete(id);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
