import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { TopicStore } from '../log/topic-store.js';
import { ErrorCode, type ErrorCodeNumber } from '../protocol/error-codes.js';

interface PendingOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

interface TransactionState {
  producerId: bigint;
  epoch: number;
  ongoing: boolean;
  partitions: Map<string, { topic: string; partition: number }>;
  pendingOffsets: Map<string, PendingOffset[]>;
}

const MAX_EPOCH = 32_767;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Producer ids and transactions. `InitProducerId` without a transactional id hands out a fresh
 * id (idempotent producer); with one, it bumps the epoch of that id, fencing the previous owner
 * and aborting whatever it left open. `EndTxn` writes a COMMIT/ABORT control batch on every
 * partition of the transaction and, on commit, applies the offsets sent with TxnOffsetCommit.
 */
export class TransactionCoordinator {
  private nextProducerId = 1000n;
  private readonly transactions = new Map<string, TransactionState>();

  constructor(
    private readonly topics: TopicStore,
    private readonly groups: GroupCoordinator,
  ) {}

  initProducerId(transactionalId: string | null): {
    errorCode: ErrorCodeNumber;
    producerId: bigint;
    epoch: number;
  } {
    if (transactionalId === null)
      return { errorCode: ErrorCode.NONE, producerId: this.nextProducerId++, epoch: 0 };
    let txn = this.transactions.get(transactionalId);
    if (!txn) {
      txn = {
        producerId: this.nextProducerId++,
        epoch: 0,
        ongoing: false,
        partitions: new Map(),
        pendingOffsets: new Map(),
      };
      this.transactions.set(transactionalId, txn);
      return { errorCode: ErrorCode.NONE, producerId: txn.producerId, epoch: txn.epoch };
    }
    if (txn.ongoing) this.complete(txn, false);
    if (txn.epoch >= MAX_EPOCH) {
      txn.producerId = this.nextProducerId++;
      txn.epoch = 0;
    } else txn.epoch += 1;
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, epoch: txn.epoch };
  }

  addPartitions(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    partitions: { topic: string; partition: number }[],
  ): Map<string, ErrorCodeNumber> {
    const result = new Map<string, ErrorCodeNumber>();
    const check = this.validate(transactionalId, producerId, epoch);
    for (const { topic, partition } of partitions) {
      let errorCode = check.errorCode;
      if (errorCode === ErrorCode.NONE && !this.topics.partition(topic, partition)) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      result.set(key(topic, partition), errorCode);
    }
    if (check.txn && [...result.values()].every((code) => code === ErrorCode.NONE)) {
      for (const tp of partitions) check.txn.partitions.set(key(tp.topic, tp.partition), tp);
      check.txn.ongoing = true;
    }
    return result;
  }

  addOffsets(transactionalId: string, producerId: bigint, epoch: number, groupId: string): ErrorCodeNumber {
    const check = this.validate(transactionalId, producerId, epoch);
    if (!check.txn) return check.errorCode;
    if (!check.txn.pendingOffsets.has(groupId)) check.txn.pendingOffsets.set(groupId, []);
    check.txn.ongoing = true;
    return ErrorCode.NONE;
  }

  commitOffsets(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
    groupId: string,
    offsets: PendingOffset[],
  ): ErrorCodeNumber {
    const check = this.validate(transactionalId, producerId, epoch);
    if (!check.txn) return check.errorCode;
    const pending = check.txn.pendingOffsets.get(groupId);
    if (!pending) return ErrorCode.INVALID_TXN_STATE;
    pending.push(...offsets);
    return ErrorCode.NONE;
  }

  endTxn(transactionalId: string, producerId: bigint, epoch: number, commit: boolean): ErrorCodeNumber {
    const check = this.validate(transactionalId, producerId, epoch);
    if (!check.txn) return check.errorCode;
    if (!check.txn.ongoing) return ErrorCode.INVALID_TXN_STATE;
    this.complete(check.txn, commit);
    return ErrorCode.NONE;
  }

  /** A transactional batch may only go to a partition added to its producer's open transaction. */
  mayAppendTransactional(producerId: bigint, topic: string, partition: number): boolean {
    for (const txn of this.transactions.values()) {
      if (txn.producerId === producerId) return txn.ongoing && txn.partitions.has(key(topic, partition));
    }
    return false;
  }

  private complete(txn: TransactionState, commit: boolean): void {
    for (const { topic, partition } of txn.partitions.values()) {
      this.topics.partition(topic, partition)?.endTransaction(txn.producerId, txn.epoch, commit);
    }
    if (commit) {
      for (const [groupId, offsets] of txn.pendingOffsets) {
        const group = this.groups.getOrCreate(groupId);
        for (const o of offsets)
          group.commit(o.topic, o.partition, { offset: o.offset, metadata: o.metadata });
      }
    }
    txn.partitions.clear();
    txn.pendingOffsets.clear();
    txn.ongoing = false;
    this.topics.notify();
  }

  private validate(
    transactionalId: string,
    producerId: bigint,
    epoch: number,
  ): { errorCode: ErrorCodeNumber; txn?: TransactionState } {
    const txn = this.transactions.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (txn.epoch !== epoch) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    return { errorCode: ErrorCode.NONE, txn };
  }
}
