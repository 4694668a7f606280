import { ErrorCode } from '../protocol/error-codes.js';
import {
  assignBaseOffset,
  decodeRecords,
  encodeTransactionMarker,
  type KafkaRecord,
  lastOffset,
  parseOwnBatch,
  type RecordBatch,
  RecordBatchError,
} from './record-batch.js';

/** How many recent batches per producer are remembered to recognise a retried (duplicate) batch. */
const PRODUCER_BATCH_CACHE = 5;

interface ProducerState {
  epoch: number;
  lastSequence: number;
  recent: { firstSequence: number; lastSequence: number; baseOffset: bigint }[];
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
}

export interface AppendResult {
  baseOffset: bigint;
  /** True when the batch repeated one already in the log (an idempotent retry); nothing was written. */
  duplicate: boolean;
}

const INT32_MAX = 2 ** 31 - 1;

function nextSequence(sequence: number, count: number): number {
  const next = sequence + count;
  return next > INT32_MAX ? next - INT32_MAX - 1 : next;
}

/**
 * One partition's log: batches in offset order (single replica, so the high watermark is the log
 * end), per-producer sequence state for the idempotent producer, and the open and aborted
 * transactions that define the last stable offset for `read_committed` fetchers.
 */
export class PartitionLog {
  private readonly batches: RecordBatch[] = [];
  private readonly producers = new Map<bigint, ProducerState>();
  private readonly openTransactions = new Map<bigint, bigint>();
  private readonly aborted: AbortedTransaction[] = [];
  private endOffset = 0n;

  get highWatermark(): bigint {
    return this.endOffset;
  }

  get logStartOffset(): bigint {
    return 0n;
  }

  /** The first offset of the oldest open transaction, or the high watermark when none is open. */
  get lastStableOffset(): bigint {
    let lso = this.endOffset;
    for (const first of this.openTransactions.values()) if (first < lso) lso = first;
    return lso;
  }

  /**
   * Appends a validated batch. Idempotent batches (producerId ≥ 0) must carry the next sequence
   * for their producer; a batch equal to one of the last five is acknowledged with its original
   * offset and not written again, which is what makes a retried send exactly-once.
   */
  append(batch: RecordBatch): AppendResult {
    if (batch.producerId >= 0n && !batch.isControl) {
      const state = this.producers.get(batch.producerId);
      const lastSequenceOfBatch = nextSequence(batch.baseSequence, batch.lastOffsetDelta);
      if (state && batch.producerEpoch < state.epoch) {
        throw new RecordBatchError(
          ErrorCode.INVALID_PRODUCER_EPOCH,
          `epoch ${batch.producerEpoch} is fenced`,
        );
      }
      if (state && batch.producerEpoch === state.epoch) {
        const seen = state.recent.find(
          (r) => r.firstSequence === batch.baseSequence && r.lastSequence === lastSequenceOfBatch,
        );
        if (seen) return { baseOffset: seen.baseOffset, duplicate: true };
        if (batch.baseSequence !== nextSequence(state.lastSequence, 1)) {
          throw new RecordBatchError(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `expected sequence ${nextSequence(state.lastSequence, 1)}, got ${batch.baseSequence}`,
          );
        }
      } else if (batch.baseSequence !== 0) {
        throw new RecordBatchError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `a new producer epoch must start at sequence 0, got ${batch.baseSequence}`,
        );
      }
      const baseOffset = this.write(batch);
      const next: ProducerState =
        state && state.epoch === batch.producerEpoch
          ? state
          : { epoch: batch.producerEpoch, lastSequence: -1, recent: [] };
      next.lastSequence = lastSequenceOfBatch;
      next.recent.push({ firstSequence: batch.baseSequence, lastSequence: lastSequenceOfBatch, baseOffset });
      if (next.recent.length > PRODUCER_BATCH_CACHE) next.recent.shift();
      this.producers.set(batch.producerId, next);
      return { baseOffset, duplicate: false };
    }
    return { baseOffset: this.write(batch), duplicate: false };
  }

  private write(batch: RecordBatch): bigint {
    const baseOffset = this.endOffset;
    assignBaseOffset(batch, baseOffset);
    this.batches.push(batch);
    this.endOffset = lastOffset(batch) + 1n;
    if (batch.isTransactional && !batch.isControl && !this.openTransactions.has(batch.producerId)) {
      this.openTransactions.set(batch.producerId, baseOffset);
    }
    return baseOffset;
  }

  /** Writes the COMMIT/ABORT marker for a producer's open transaction on this partition. */
  endTransaction(producerId: bigint, producerEpoch: number, commit: boolean): void {
    const first = this.openTransactions.get(producerId);
    const markerOffset = this.write(
      parseOwnBatch(encodeTransactionMarker(producerId, producerEpoch, commit)),
    );
    if (first !== undefined) {
      this.openTransactions.delete(producerId);
      if (!commit) this.aborted.push({ producerId, firstOffset: first, lastOffset: markerOffset });
    }
  }

  /**
   * Batches a fetcher at `fetchOffset` receives, below `limit` (high watermark or LSO). The first
   * batch is always returned whole even past `maxBytes` (KIP-74), so a consumer never stalls.
   */
  read(fetchOffset: bigint, limit: bigint, maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let size = 0;
    for (const batch of this.batches) {
      if (lastOffset(batch) < fetchOffset) continue;
      if (batch.baseOffset >= limit) break;
      if (out.length > 0 && size + batch.raw.length > maxBytes) break;
      out.push(batch.raw);
      size += batch.raw.length;
    }
    return out;
  }

  /** Aborted transactions overlapping [from, to), in first-offset order, for read_committed. */
  abortedTransactions(from: bigint, to: bigint): AbortedTransaction[] {
    return this.aborted.filter((t) => t.lastOffset >= from && t.firstOffset < to);
  }

  /** The first offset whose record timestamp is ≥ `timestamp`, or the high watermark. */
  offsetForTimestamp(timestamp: bigint): { offset: bigint; timestamp: bigint } {
    for (const batch of this.batches) {
      if (batch.isControl || batch.maxTimestamp < timestamp) continue;
      const record = decodeRecords(batch).find((r) => r.timestamp >= timestamp);
      if (record) return { offset: record.offset, timestamp: record.timestamp };
    }
    return { offset: this.endOffset, timestamp: -1n };
  }

  /** Every data record (control batches excluded), for assertions in tests. */
  records(): (KafkaRecord & { transactional: boolean })[] {
    return this.batches
      .filter((b) => !b.isControl)
      .flatMap((b) => decodeRecords(b).map((r) => ({ ...r, transactional: b.isTransactional })));
  }
}
