import type { RedisClient } from '../options/cache-options.js';
import type { RedisKeys } from '../stores/redis-keys.js';

/** A message on the bus channel. `o` is the sender, so an instance ignores its own messages. */
export interface BusMessage {
  readonly o: string;
  /** Keys whose L1 copies are stale. */
  readonly k?: readonly string[];
  /** Tags bumped, with their new versions. */
  readonly t?: Readonly<Record<string, number>>;
}

export interface BusHandlers {
  onKeys(keys: readonly string[]): void;
  onTags(versions: Readonly<Record<string, number>>): void;
  /** The subscription came back after a gap: messages may have been lost. */
  onResync(): void;
}

/**
 * Redis pub/sub on a duplicate connection: cross-instance L1 evictions and tag versions on one
 * channel, lock-release wake-ups on another. Publishing goes through the cache's own client (in
 * the same pipeline or script as the write it announces); this class only listens.
 *
 * When the subscriber is down, messages are lost: L1 copies then live at most `l1.ttl`, and
 * tag versions learnt before the gap are dropped on resubscription (`onResync`).
 */
export class InvalidationBus {
  readonly instanceId: string;
  readonly #subscriber: RedisClient;
  readonly #keys: RedisKeys;
  readonly #handlers: BusHandlers;
  readonly #waiters = new Map<string, Set<() => void>>();
  #subscribed = false;
  #hadGap = false;
  #closed = false;

  constructor(redis: RedisClient, keys: RedisKeys, instanceId: string, handlers: BusHandlers) {
    this.instanceId = instanceId;
    this.#keys = keys;
    this.#handlers = handlers;
    this.#subscriber = redis.duplicate();
    // A subscriber must not queue commands while offline, nor fail the process on errors:
    // ioredis reconnects and re-subscribes by itself.
    this.#subscriber.on('error', () => {});
    this.#subscriber.on('close', () => {
      if (this.#subscribed) this.#hadGap = true;
      this.#subscribed = false;
    });
    this.#subscriber.on('ready', () => {
      if (this.#closed) return;
      // ioredis re-subscribes on reconnect (autoResubscribe); the first time we subscribe here.
      if (!this.#hadGap) this.#subscribe();
      else this.#subscribed = true;
      if (this.#hadGap) {
        this.#hadGap = false;
        this.#handlers.onResync();
      }
    });
    if (this.#subscriber.status === 'wait') this.#subscriber.connect().catch(() => {});
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.#onMessage(channel, message),
    );
  }

  /** True while wake-ups and evictions are being received. */
  get connected(): boolean {
    return this.#subscribed;
  }

  /** Resolves once subscribed (or after `timeoutMs`); tests and warm starts use it. */
  async ready(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#subscribed && Date.now() < deadline && !this.#closed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.#subscribed;
  }

  /** The message announcing that `keys` changed, for the bus channel. */
  keysMessage(keys: readonly string[]): string {
    return JSON.stringify({ o: this.instanceId, k: keys });
  }

  tagsMessage(versions: Readonly<Record<string, number>>): string {
    return JSON.stringify({ o: this.instanceId, t: versions });
  }

  /**
   * Resolves true when a lock holder announces `key` was written, false after `timeoutMs`.
   * Without a live subscription the caller polls at a short interval instead.
   */
  waitForWake(key: string, timeoutMs: number): { promise: Promise<boolean>; cancel: () => void } {
    let set = this.#waiters.get(key);
    if (!set) {
      set = new Set();
      this.#waiters.set(key, set);
    }
    const waiters = set;
    let done: (woken: boolean) => void = () => {};
    const promise = new Promise<boolean>((resolve) => {
      done = resolve;
    });
    const wake = () => finish(true);
    const timer = setTimeout(() => finish(false), this.#subscribed ? timeoutMs : Math.min(timeoutMs, 50));
    const finish = (woken: boolean) => {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
      done(woken);
    };
    waiters.add(wake);
    return { promise, cancel: () => finish(false) };
  }

  #subscribe(): void {
    this.#subscriber.subscribe(this.#keys.bus, this.#keys.wake).then(
      () => {
        this.#subscribed = true;
      },
      () => {
        // The connection dropped while subscribing; 'ready' fires again after reconnecting.
      },
    );
  }

  #onMessage(channelBuffer: Buffer, message: Buffer): void {
    const channel = channelBuffer.toString();
    if (channel === this.#keys.wake) {
      const waiters = this.#waiters.get(message.toString());
      if (waiters) for (const wake of [...waiters]) wake();
      return;
    }
    if (channel !== this.#keys.bus) return;
    let parsed: BusMessage;
    try {
      parsed = JSON.parse(message.toString());
    } catch {
      return;
    }
    if (parsed.o === this.instanceId) return;
    if (Array.isArray(parsed.k) && parsed.k.length > 0) this.#handlers.onKeys(parsed.k);
    if (parsed.t && typeof parsed.t === 'object') this.#handlers.onTags(parsed.t);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const wake of [...waiters]) wake();
    this.#subscriber.disconnect();
  }
}
