/** One statement or transaction in flight, as the fence sees it: a node of an intrusive list. */
interface Operation {
  readonly key: string | undefined;
  readonly write: boolean;
  readonly broadcast: boolean;
  prev: Operation | undefined;
  next: Operation | undefined;
}

export interface FenceScope {
  /** Keys whose operations are held (and drained) while the fence is closed. */
  readonly keys: (key: string) => boolean;
  /** Also hold reads of those keys (not only writes). */
  readonly reads: boolean;
  /** Also hold broadcasts (they would see moved rows twice, or not at all). */
  readonly broadcasts: boolean;
}

/**
 * Lets the rebalancer stop the world for a few keys only. Every routed operation enters the
 * fence before it runs and leaves when it settles. `close(scope)` makes new operations in scope
 * wait, then resolves once the in-scope operations already running have finished: after that,
 * nothing reads or writes those keys until `open()`. Operations out of scope never wait.
 *
 * Tracking is always on, because an operation that started just before `close` must be waited
 * for too. It is on every query's hot path, so running operations form an intrusive doubly
 * linked list: O(1) link and unlink with no hashing (a Set of short-lived objects cost more than
 * the rest of routing together).
 */
export class OperationFence {
  #head: Operation | undefined;
  #scope: FenceScope | undefined;
  #opened: Promise<void> = Promise.resolve();
  #open: (() => void) | undefined;
  #drained: (() => void) | undefined;

  #inScope(op: Operation, scope: FenceScope): boolean {
    if (op.broadcast) return scope.broadcasts;
    if (op.key === undefined) return false;
    return (op.write || scope.reads) && scope.keys(op.key);
  }

  /** Waits while the fence holds this operation; returns the function that marks it done. */
  async enter(key: string | undefined, write: boolean, broadcast = false): Promise<() => void> {
    const op: Operation = { key, write, broadcast, prev: undefined, next: undefined };
    while (this.#scope && this.#inScope(op, this.#scope)) await this.#opened;
    return this.#link(op);
  }

  /**
   * The synchronous fast path of `enter` (no promise, no tick): the done function, or undefined
   * when the fence holds this operation and `enter` must be awaited.
   */
  tryEnter(key: string | undefined, write: boolean, broadcast = false): (() => void) | undefined {
    const op: Operation = { key, write, broadcast, prev: undefined, next: undefined };
    if (this.#scope && this.#inScope(op, this.#scope)) return undefined;
    return this.#link(op);
  }

  #link(op: Operation): () => void {
    op.next = this.#head;
    if (this.#head) this.#head.prev = op;
    this.#head = op;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (op.prev) op.prev.next = op.next;
      else this.#head = op.next;
      if (op.next) op.next.prev = op.prev;
      if (this.#drained && this.#scope && !this.#busy(this.#scope)) this.#drained();
    };
  }

  #busy(scope: FenceScope): boolean {
    for (let op = this.#head; op; op = op.next) if (this.#inScope(op, scope)) return true;
    return false;
  }

  get closed(): boolean {
    return this.#scope !== undefined;
  }

  /**
   * Holds new in-scope operations and resolves when the running ones have finished. If they have
   * not finished within `timeoutMs` (a stuck transaction), the fence opens again and this rejects:
   * the caller must not assume the keys are quiet.
   */
  async close(scope: FenceScope, timeoutMs = Infinity): Promise<void> {
    if (this.#scope) throw new Error('the fence is already closed');
    this.#scope = scope;
    this.#opened = new Promise((resolve) => {
      this.#open = resolve;
    });
    if (!this.#busy(scope)) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#drained = resolve;
        if (Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => {
            this.open();
            reject(new Error(`operations in scope did not finish within ${timeoutMs} ms`));
          }, timeoutMs);
        }
      });
    } finally {
      clearTimeout(timer);
      this.#drained = undefined;
    }
  }

  open(): void {
    this.#scope = undefined;
    this.#drained = undefined;
    this.#open?.();
    this.#open = undefined;
  }
}
