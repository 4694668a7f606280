import { ErrorCode, type ErrorCodeNumber } from '../../protocol/error-codes.js';
import { Writer } from '../../protocol/writer.js';
import type { BrokerContext, Handler } from '../broker-context.js';

const READ_COMMITTED = 1;

interface PartitionRequest {
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
}

interface PartitionResponse {
  partition: number;
  errorCode: ErrorCodeNumber;
  highWatermark: bigint;
  lastStableOffset: bigint;
  aborted: { producerId: bigint; firstOffset: bigint }[] | null;
  records: Buffer[];
}

/**
 * Fetch v11 (no incremental fetch sessions: kafkajs always sends full fetches). The request is
 * answered once `min_bytes` are available or `max_wait_time` has passed, whichever is first;
 * `read_committed` fetchers see data only below the last stable offset, plus the aborted
 * transactions of that range so the client can drop aborted records.
 */
export const fetch: Handler = async ({ body, broker }) => {
  body.int32(); // replica id
  const maxWaitMs = Math.min(body.int32(), broker.maxFetchWaitMs);
  const minBytes = body.int32();
  const maxBytes = body.int32();
  const isolation = body.int8();
  body.int32(); // session id
  body.int32(); // session epoch
  const topics = body.array((r) => ({
    topic: r.string(),
    partitions: r.array((p): PartitionRequest => {
      const partition = p.int32();
      p.int32(); // current leader epoch
      const fetchOffset = p.int64();
      p.int64(); // log start offset (followers only)
      return { partition, fetchOffset, maxBytes: p.int32() };
    }),
  }));

  const collect = () => {
    let budget = maxBytes;
    let bytes = 0;
    let failed = false;
    const responses = topics.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map((request) => {
        const response = readPartition(broker, topic, request, isolation, Math.max(0, budget));
        const size = response.records.reduce((n, b) => n + b.length, 0);
        budget -= size;
        bytes += size;
        if (response.errorCode !== ErrorCode.NONE) failed = true;
        return response;
      }),
    }));
    return { responses, done: failed || bytes >= Math.max(minBytes, 1) };
  };

  let result = collect();
  if (!result.done && maxWaitMs > 0 && !broker.stopSignal.aborted) {
    result = await new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        unsubscribe();
        broker.stopSignal.removeEventListener('abort', finish);
        resolve(collect());
      };
      const timer = setTimeout(finish, maxWaitMs);
      const unsubscribe = broker.topics.onChange(() => {
        if (collect().done) finish();
      });
      broker.stopSignal.addEventListener('abort', finish);
    });
  }

  const w = new Writer().int32(0).int16(ErrorCode.NONE).int32(0);
  w.array(result.responses, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, r) => {
      p.int32(r.partition).int16(r.errorCode).int64(r.highWatermark).int64(r.lastStableOffset).int64(0);
      p.array(r.aborted, (a, t) => a.int64(t.producerId).int64(t.firstOffset));
      p.int32(-1); // preferred read replica
      p.bytes(Buffer.concat(r.records));
    });
  });
  return w;
};

function readPartition(
  broker: BrokerContext,
  topic: string,
  request: PartitionRequest,
  isolation: number,
  budget: number,
): PartitionResponse {
  const empty = (errorCode: ErrorCodeNumber): PartitionResponse => ({
    partition: request.partition,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    aborted: null,
    records: [],
  });
  const log = broker.topics.partition(topic, request.partition);
  if (!log) return empty(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (broker.faults.isLeaderUnavailable(topic, request.partition))
    return empty(ErrorCode.NOT_LEADER_FOR_PARTITION);
  if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.highWatermark) {
    return { ...empty(ErrorCode.OFFSET_OUT_OF_RANGE), highWatermark: log.highWatermark };
  }
  const readCommitted = isolation === READ_COMMITTED;
  const limit = readCommitted ? log.lastStableOffset : log.highWatermark;
  const records = budget > 0 ? log.read(request.fetchOffset, limit, Math.min(budget, request.maxBytes)) : [];
  return {
    partition: request.partition,
    errorCode: ErrorCode.NONE,
    highWatermark: log.highWatermark,
    lastStableOffset: log.lastStableOffset,
    aborted: readCommitted
      ? log.abortedTransactions(request.fetchOffset, limit).map((t) => ({
          producerId: t.producerId,
          firstOffset: t.firstOffset,
        }))
      : null,
    records,
  };
}

/** ListOffsets v2–v3: -1 latest (LSO under read_committed), -2 earliest, else by timestamp. */
export const listOffsets: Handler = ({ body, broker }) => {
  body.int32(); // replica id
  const isolation = body.int8();
  const topics = body.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), timestamp: p.int64() })),
  }));
  const w = new Writer().int32(0);
  w.array(topics, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, { partition, timestamp }) => {
      const log = broker.topics.partition(topic, partition);
      if (!log) {
        p.int32(partition).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
      } else if (broker.faults.isLeaderUnavailable(topic, partition)) {
        p.int32(partition).int16(ErrorCode.NOT_LEADER_FOR_PARTITION).int64(-1).int64(-1);
      } else if (timestamp === -1n) {
        const latest = isolation === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
        p.int32(partition).int16(ErrorCode.NONE).int64(-1).int64(latest);
      } else if (timestamp === -2n) {
        p.int32(partition).int16(ErrorCode.NONE).int64(-1).int64(log.logStartOffset);
      } else {
        const found = log.offsetForTimestamp(timestamp);
        p.int32(partition).int16(ErrorCode.NONE).int64(found.timestamp).int64(found.offset);
      }
    });
  });
  return w;
};
