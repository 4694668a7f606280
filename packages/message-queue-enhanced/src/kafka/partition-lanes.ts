export interface LaneRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface PartitionLanesOptions<R extends LaneRecord> {
  /** Records handled at once, across partitions (one at a time within a partition). */
  readonly concurrency: number;
  /** Handles one record (and commits it). A rejection hands the same record again after `retryDelayMs`. */
  readonly handle: (record: R) => Promise<void>;
  /** When a record may be handled, epoch ms (a retry record waits for its due time). */
  readonly dueAt: (record: R) => number;
  /** Records queued beyond which the source should pause, and below which it may resume. */
  readonly highWater: number;
  readonly lowWater: number;
  /** Called with true when the source should pause, false when it may resume. */
  readonly onPressure: (pause: boolean) => void;
  readonly retryDelayMs: number;
}

/** The records of one partition, handled one after another, in offset order. */
interface Lane<R> {
  readonly key: string;
  queue: R[];
  /** The offset after the last record accepted: a record below it is a copy fetched again. */
  next: bigint;
  /** The offset after the last record taken off the queue to be handled. */
  taken: bigint;
  busy: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Turns a consumer's single stream of records (every partition interleaved) into one ordered lane
 * per partition, with at most `concurrency` records in handlers at once — what kafkajs called
 * `partitionsConsumedConcurrently`.
 *
 * After a group re-join the client fetches again from the committed offsets, and records already
 * buffered may still arrive: a lane accepts a record only past the offsets it has seen, so none is
 * handled twice by this member; a re-join drops what was queued and not started (the fetch brings
 * it again) and the lanes of partitions this member lost. A record waiting for its due time holds
 * back only its own lane and takes no handler slot.
 */
export class PartitionLanes<R extends LaneRecord> {
  private readonly lanes = new Map<string, Lane<R>>();
  private readonly running = new Set<Promise<void>>();
  private readonly waiters: Array<() => void> = [];
  private active = 0;
  private queued = 0;
  private paused = false;
  private stopped = false;

  constructor(private readonly options: PartitionLanesOptions<R>) {}

  /** Records waiting in lanes (not yet in a handler). */
  get size(): number {
    return this.queued;
  }

  add(record: R): void {
    if (this.stopped) return;
    const key = `${record.topic}:${record.partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, queue: [], next: -1n, taken: -1n, busy: false };
      this.lanes.set(key, lane);
    }
    if (record.offset < lane.next) return;
    lane.next = record.offset + 1n;
    lane.queue.push(record);
    this.queued++;
    if (!this.paused && this.queued >= this.options.highWater) {
      this.paused = true;
      this.options.onPressure(true);
    }
    this.kick(lane);
  }

  /**
   * After a group (re-)join: `owned` are the `topic:partition` keys this member now has, or
   * undefined to drop every lane (the consumer is replaced).
   */
  reassigned(owned: ReadonlySet<string> | undefined): void {
    for (const [key, lane] of this.lanes) {
      this.dequeued(lane.queue.length);
      lane.queue = [];
      if (owned?.has(key)) lane.next = lane.taken;
      else this.lanes.delete(key);
    }
  }

  /** Drops every queued record and waits for the handlers in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.reassigned(undefined);
    await Promise.allSettled([...this.running]);
  }

  private current(lane: Lane<R>): boolean {
    return !this.stopped && this.lanes.get(lane.key) === lane;
  }

  private kick(lane: Lane<R>): void {
    if (lane.busy || lane.queue.length === 0 || !this.current(lane)) return;
    lane.busy = true;
    const run: Promise<void> = this.drain(lane).finally(() => {
      lane.busy = false;
      this.running.delete(run);
      this.kick(lane);
    });
    this.running.add(run);
  }

  private async drain(lane: Lane<R>): Promise<void> {
    while (this.current(lane) && lane.queue.length > 0) {
      const record = lane.queue.shift()!;
      this.dequeued(1);
      lane.taken = record.offset + 1n;
      const due = this.options.dueAt(record);
      while (due > Date.now() && this.current(lane)) await sleep(Math.min(250, due - Date.now()));
      if (!this.current(lane)) return; // not handled, not committed: fetched again later
      await this.acquire();
      let failed = false;
      try {
        await this.options.handle(record);
      } catch {
        failed = true;
      } finally {
        this.release();
      }
      if (failed && this.current(lane)) {
        // Not committed (e.g. the retry topic refused the copy): the same record again, later.
        lane.queue.unshift(record);
        this.queued++;
        lane.taken = record.offset;
        await sleep(this.options.retryDelayMs);
      }
    }
  }

  private dequeued(count: number): void {
    this.queued -= count;
    if (this.paused && this.queued <= this.options.lowWater) {
      this.paused = false;
      this.options.onPressure(false);
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Hands the slot straight to the next waiter, if any. */
  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}
