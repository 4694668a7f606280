import { ErrorCode, type ErrorCodeNumber } from '../protocol/error-codes.js';
import { ConsumerGroup } from './consumer-group.js';

const SWEEP_INTERVAL_MS = 50;

/** Every consumer group of the broker (the broker is the coordinator of all of them). */
export class GroupCoordinator {
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const group of this.groups.values()) group.expireMembers(now);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ConsumerGroup(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  list(): ConsumerGroup[] {
    return [...this.groups.values()];
  }

  delete(groupId: string): ErrorCodeNumber {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const group of this.groups.values()) group.shutdown();
  }
}
