import { supportedVersions } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { Writer } from '../../protocol/writer.js';
import type { Handler } from '../broker-context.js';

/** ApiVersions v0–v2: the served range of every API (v1+ append throttle_time_ms). */
export const apiVersions: Handler = ({ header }) => apiVersionsResponse(header.apiVersion, ErrorCode.NONE);

export function apiVersionsResponse(version: number, errorCode: number): Writer {
  const w = new Writer().int16(errorCode);
  w.array(Object.entries(supportedVersions), (out, [apiKey, [min, max]]) => {
    out.int16(Number(apiKey)).int16(min).int16(max);
  });
  if (version >= 1) w.int32(0);
  return w;
}

/** Metadata v4–v6. Unknown topics are created when both the client and the broker allow it. */
export const metadata: Handler = ({ header, body, broker }) => {
  const requested = body.nullableArray((r) => r.string());
  const allowAutoCreate = body.bool();
  const names = requested ?? broker.topics.names();
  const w = new Writer().int32(0);
  w.array([broker], (out, b) => {
    out.int32(b.nodeId).string(b.host).int32(b.port).string(null);
  });
  w.string(broker.clusterId).int32(broker.nodeId);
  w.array(names, (out, topic) => {
    let missing: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (!broker.topics.partitions(topic) && allowAutoCreate && broker.autoCreateTopics) {
      missing = broker.topics.create(topic, broker.defaultPartitions).errorCode;
    }
    const partitions = broker.topics.partitions(topic);
    if (!partitions) {
      out.int16(missing).string(topic).bool(false).int32(0);
      return;
    }
    out.int16(ErrorCode.NONE).string(topic).bool(false);
    out.array(
      partitions.map((_, i) => i),
      (p, index) => {
        const leaderless = broker.faults.isLeaderUnavailable(topic, index);
        p.int16(leaderless ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE)
          .int32(index)
          .int32(leaderless ? -1 : broker.nodeId)
          .array([broker.nodeId], (o, id) => o.int32(id))
          .array(leaderless ? [] : [broker.nodeId], (o, id) => o.int32(id));
        if (header.apiVersion >= 5) p.array(leaderless ? [broker.nodeId] : [], (o, id) => o.int32(id));
      },
    );
  });
  return w;
};

/** CreateTopics v2–v3. A single broker can hold one replica: a larger factor is refused. */
export const createTopics: Handler = ({ body, broker }) => {
  const requests = body.array((r) => {
    const topic = r.string();
    const numPartitions = r.int32();
    const replicationFactor = r.int16();
    const assignment = r.array((a) => ({ partition: a.int32(), replicas: a.array((x) => x.int32()) }));
    r.array((c) => ({ name: c.string(), value: c.nullableString() }));
    return { topic, numPartitions, replicationFactor, assignment };
  });
  body.int32(); // timeout
  const validateOnly = body.bool();
  const w = new Writer().int32(0);
  w.array(requests, (out, req) => {
    if (req.replicationFactor > 1) {
      out
        .string(req.topic)
        .int16(ErrorCode.INVALID_REPLICATION_FACTOR)
        .string(`replication factor ${req.replicationFactor} is larger than the 1 available broker`);
      return;
    }
    const partitions =
      req.assignment.length > 0
        ? req.assignment.length
        : req.numPartitions === -1
          ? broker.defaultPartitions
          : req.numPartitions;
    const result = broker.topics.create(req.topic, partitions, validateOnly);
    out.string(req.topic).int16(result.errorCode).string(result.errorMessage);
  });
  return w;
};

/** DeleteTopics v1. */
export const deleteTopics: Handler = ({ body, broker }) => {
  const topics = body.array((r) => r.string());
  const w = new Writer().int32(0);
  w.array(topics, (out, topic) => {
    out
      .string(topic)
      .int16(broker.topics.delete(topic) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
  return w;
};

/** CreatePartitions v0–v1 (explicit replica assignments are accepted and ignored). */
export const createPartitions: Handler = ({ body, broker }) => {
  const requests = body.array((r) => {
    const topic = r.string();
    const count = r.int32();
    r.nullableArray((a) => a.array((x) => x.int32()));
    return { topic, count };
  });
  body.int32(); // timeout
  const validateOnly = body.bool();
  const w = new Writer().int32(0);
  w.array(requests, (out, req) => {
    const result = broker.topics.addPartitions(req.topic, req.count, validateOnly);
    out.string(req.topic).int16(result.errorCode).string(result.errorMessage);
  });
  return w;
};

/** FindCoordinator v1–v2: this broker coordinates every group and every transactional id. */
export const findCoordinator: Handler = ({ body, broker }) => {
  body.string(); // key
  body.int8(); // type: 0 group, 1 transaction
  return new Writer()
    .int32(0)
    .int16(ErrorCode.NONE)
    .string(null)
    .int32(broker.nodeId)
    .string(broker.host)
    .int32(broker.port);
};
