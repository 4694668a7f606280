import { ErrorCode, type ErrorCodeNumber } from '../protocol/error-codes.js';
import { PartitionLog } from './partition-log.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

export interface TopicCreation {
  errorCode: ErrorCodeNumber;
  errorMessage: string | null;
}

/**
 * All topics of the broker, each an array of partition logs. Listeners are told after every
 * change that could satisfy a waiting Fetch (an append, a transaction marker).
 */
export class TopicStore {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly listeners = new Set<() => void>();

  names(): string[] {
    return [...this.topics.keys()].sort();
  }

  partitions(topic: string): PartitionLog[] | undefined {
    return this.topics.get(topic);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.[partition];
  }

  create(topic: string, partitions: number, validateOnly = false): TopicCreation {
    if (!LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `illegal topic name '${topic}'` };
    }
    if (this.topics.has(topic)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic '${topic}' already exists` };
    }
    if (!Number.isInteger(partitions) || partitions < 1) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `${partitions} partitions is not ≥ 1` };
    }
    if (!validateOnly) {
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => new PartitionLog()),
      );
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  addPartitions(topic: string, count: number, validateOnly = false): TopicCreation {
    const logs = this.topics.get(topic);
    if (!logs)
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `no topic '${topic}'` };
    if (count <= logs.length) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: `topic '${topic}' has ${logs.length} partitions; ${count} is not more`,
      };
    }
    if (!validateOnly) while (logs.length < count) logs.push(new PartitionLog());
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  delete(topic: string): boolean {
    const deleted = this.topics.delete(topic);
    if (deleted) this.notify();
    return deleted;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
