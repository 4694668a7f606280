import { parseRecordSet, RecordBatchError } from '../../log/record-batch.js';
import { ErrorCode, type ErrorCodeNumber } from '../../protocol/error-codes.js';
import { Writer } from '../../protocol/writer.js';
import type { BrokerContext, Handler } from '../broker-context.js';

interface PartitionResult {
  partition: number;
  errorCode: ErrorCodeNumber;
  baseOffset: bigint;
}

/**
 * Produce v3–v7 (record batch v2 only). Each batch is checked (magic, CRC-32C, record count,
 * compression) before anything is written; idempotent batches go through the partition's
 * sequence checks, transactional ones must target a partition added to their transaction.
 */
export const produce: Handler = ({ header, body, broker }) => {
  const transactionalId = body.nullableString();
  const acks = body.int16();
  body.int32(); // timeout: appends are synchronous, nothing to wait for
  const topics = body.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })),
  }));
  const results = topics.map(({ topic, partitions }) => ({
    topic,
    partitions: partitions.map(({ partition, records }) =>
      appendPartition(broker, transactionalId, topic, partition, records),
    ),
  }));
  broker.topics.notify();
  if (acks === 0) return null;
  const w = new Writer();
  w.array(results, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, result) => {
      p.int32(result.partition).int16(result.errorCode).int64(result.baseOffset).int64(-1);
      if (header.apiVersion >= 5) p.int64(0);
    });
  });
  return w.int32(0);
};

function appendPartition(
  broker: BrokerContext,
  transactionalId: string | null,
  topic: string,
  partition: number,
  records: Buffer | null,
): PartitionResult {
  const fail = (errorCode: ErrorCodeNumber): PartitionResult => ({ partition, errorCode, baseOffset: -1n });
  const log = broker.topics.partition(topic, partition);
  if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (broker.faults.isLeaderUnavailable(topic, partition)) return fail(ErrorCode.NOT_LEADER_FOR_PARTITION);
  if (!records) return fail(ErrorCode.CORRUPT_MESSAGE);
  try {
    const batches = parseRecordSet(records);
    for (const batch of batches) {
      if (batch.isControl) return fail(ErrorCode.INVALID_REQUEST);
      if (
        batch.isTransactional &&
        (transactionalId === null ||
          !broker.transactions.mayAppendTransactional(batch.producerId, topic, partition))
      ) {
        return fail(ErrorCode.INVALID_TXN_STATE);
      }
    }
    let first: bigint | undefined;
    for (const batch of batches) {
      const { baseOffset } = log.append(batch);
      first ??= baseOffset;
    }
    return { partition, errorCode: ErrorCode.NONE, baseOffset: first ?? -1n };
  } catch (error) {
    if (error instanceof RecordBatchError) return fail(error.code);
    throw error;
  }
}
