import { apiName } from './protocol/api-keys.js';

interface DropRule {
  apiKey: number | undefined;
  remaining: number;
}

interface DelayRule {
  apiKey: number | undefined;
  ms: number;
}

/**
 * Fault hooks a test turns on and off while clients talk to the broker. Every hook acts on the
 * broker side of real TCP connections, so the client sees exactly what a failing Kafka would
 * show it: a closed socket, a late answer, a partition without a leader.
 */
export class BrokerFaults {
  private readonly drops: DropRule[] = [];
  private readonly delays: DelayRule[] = [];
  private readonly leaderless = new Set<string>();
  private dropAll: () => number = () => 0;

  /** @internal wired by the server so `dropConnections` can reach the open sockets. */
  attach(dropAll: () => number): void {
    this.dropAll = dropAll;
  }

  /** Closes every client connection now; returns how many were closed. */
  dropConnections(): number {
    return this.dropAll();
  }

  /**
   * Lets the next `count` requests of `apiKey` (any API when omitted) take effect, then closes
   * the connection instead of answering: the client cannot know whether the request was applied,
   * which is the case the idempotent producer exists for.
   */
  dropAfterHandling(apiKey?: number, count = 1): void {
    this.drops.push({ apiKey, remaining: count });
  }

  /** Delays every response to `apiKey` (any API when omitted) by `ms`; returns an undo. */
  delayResponses(ms: number, apiKey?: number): () => void {
    const rule = { apiKey, ms };
    this.delays.push(rule);
    return () => {
      const index = this.delays.indexOf(rule);
      if (index >= 0) this.delays.splice(index, 1);
    };
  }

  /**
   * Takes the partition's leader away: Metadata reports LEADER_NOT_AVAILABLE for it and Produce,
   * Fetch and ListOffsets answer NOT_LEADER_FOR_PARTITION, until `restoreLeader` is called.
   */
  makeLeaderUnavailable(topic: string, partition: number): void {
    this.leaderless.add(`${topic}\u0000${partition}`);
  }

  restoreLeader(topic: string, partition: number): void {
    this.leaderless.delete(`${topic}\u0000${partition}`);
  }

  isLeaderUnavailable(topic: string, partition: number): boolean {
    return this.leaderless.has(`${topic}\u0000${partition}`);
  }

  /** Removes every rule (dropping, delaying, leaderless partitions). */
  clear(): void {
    this.drops.length = 0;
    this.delays.length = 0;
    this.leaderless.clear();
  }

  /** @internal consumed by the server for each request. */
  takeDrop(apiKey: number): boolean {
    const rule = this.drops.find((r) => r.apiKey === undefined || r.apiKey === apiKey);
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.drops.splice(this.drops.indexOf(rule), 1);
    return true;
  }

  /** @internal */
  delayFor(apiKey: number): number {
    return this.delays
      .filter((r) => r.apiKey === undefined || r.apiKey === apiKey)
      .reduce((total, r) => total + r.ms, 0);
  }

  describe(): string[] {
    return [
      ...this.drops.map((r) => `drop ${r.remaining}× ${r.apiKey === undefined ? 'any' : apiName(r.apiKey)}`),
      ...this.delays.map((r) => `delay ${r.ms}ms ${r.apiKey === undefined ? 'any' : apiName(r.apiKey)}`),
      ...[...this.leaderless].map((k) => `leaderless ${k.replace('\u0000', '/')}`),
    ];
  }
}
