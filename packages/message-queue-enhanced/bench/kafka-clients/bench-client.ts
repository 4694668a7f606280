/**
 * What the Kafka client comparison needs from a client, so that every scenario runs the same code
 * against each one. Each adapter uses its client the way that client is meant to be used
 * (kafkajs: `send` and `run({ eachMessage })`; @platformatic/kafka: `send` and a messages stream).
 */
export interface BenchRecord {
  readonly key: string;
  readonly value: Buffer;
  /** Explicit partition (the rebalance scenario spreads records over every partition). */
  readonly partition?: number;
}

export interface ReceivedRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly partition: number;
}

export interface BenchProducer {
  /** One produce call with these records; resolves once every one is acknowledged (`acks: all`). */
  send(topic: string, records: readonly BenchRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface BenchConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Called for each record, one at a time per partition; awaited before the next one. */
  readonly onRecord: (record: ReceivedRecord) => void | Promise<void>;
  /** Commit each record's offset after `onRecord`, awaited (as the transport does); else the client's auto-commit. */
  readonly commitEachRecord: boolean;
  /** Called on every group join with the partitions this member got. */
  readonly onAssigned?: (partitions: readonly number[]) => void;
}

export interface BenchConsumer {
  close(): Promise<void>;
}

export interface BenchClient {
  readonly name: string;
  /** An idempotent producer sending with `acks: all` (-1). */
  producer(): Promise<BenchProducer>;
  /** A consumer in a group, starting at the beginning of the topic; resolves once it joined. */
  consumer(options: BenchConsumerOptions): Promise<BenchConsumer>;
}

/** The group settings both clients get, so that joins and rebalances compare like for like. */
export const GROUP_SETTINGS = {
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3000,
} as const;
