import { ErrorCode } from '../../protocol/error-codes.js';
import { Writer } from '../../protocol/writer.js';
import type { Handler } from '../broker-context.js';

/** InitProducerId v0–v1. */
export const initProducerId: Handler = ({ body, broker }) => {
  const transactionalId = body.nullableString();
  body.int32(); // transaction timeout: transactions are not expired by this broker
  const result = broker.transactions.initProducerId(transactionalId);
  return new Writer().int32(0).int16(result.errorCode).int64(result.producerId).int16(result.epoch);
};

/** AddPartitionsToTxn v0–v1. */
export const addPartitionsToTxn: Handler = ({ body, broker }) => {
  const transactionalId = body.string();
  const producerId = body.int64();
  const epoch = body.int16();
  const topics = body.array((r) => ({ topic: r.string(), partitions: r.array((p) => p.int32()) }));
  const errors = broker.transactions.addPartitions(
    transactionalId,
    producerId,
    epoch,
    topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))),
  );
  const w = new Writer().int32(0);
  w.array(topics, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, partition) => {
      p.int32(partition).int16(errors.get(`${topic}\u0000${partition}`) ?? ErrorCode.NONE);
    });
  });
  return w;
};

/** AddOffsetsToTxn v0–v1. */
export const addOffsetsToTxn: Handler = ({ body, broker }) => {
  const transactionalId = body.string();
  const producerId = body.int64();
  const epoch = body.int16();
  const groupId = body.string();
  return new Writer()
    .int32(0)
    .int16(broker.transactions.addOffsets(transactionalId, producerId, epoch, groupId));
};

/** TxnOffsetCommit v0–v1: offsets become visible to the group when the transaction commits. */
export const txnOffsetCommit: Handler = ({ body, broker }) => {
  const transactionalId = body.string();
  const groupId = body.string();
  const producerId = body.int64();
  const epoch = body.int16();
  const topics = body.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64(), metadata: p.nullableString() })),
  }));
  const errorCode = broker.transactions.commitOffsets(
    transactionalId,
    producerId,
    epoch,
    groupId,
    topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p }))),
  );
  const w = new Writer().int32(0);
  w.array(topics, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, { partition }) => p.int32(partition).int16(errorCode));
  });
  return w;
};

/** EndTxn v0–v1. */
export const endTxn: Handler = ({ body, broker }) => {
  const transactionalId = body.string();
  const producerId = body.int64();
  const epoch = body.int16();
  const commit = body.bool();
  return new Writer().int32(0).int16(broker.transactions.endTxn(transactionalId, producerId, epoch, commit));
};
