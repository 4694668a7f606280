import { ErrorCode } from '../../protocol/error-codes.js';
import { Writer } from '../../protocol/writer.js';
import type { Handler } from '../broker-context.js';

/** JoinGroup v5 (KIP-394: a member without id is first told MEMBER_ID_REQUIRED with its new id). */
export const joinGroup: Handler = async ({ header, body, broker, clientHost }) => {
  const groupId = body.string();
  const sessionTimeoutMs = body.int32();
  const rebalanceTimeoutMs = body.int32();
  const memberId = body.string();
  const groupInstanceId = body.nullableString();
  const protocolType = body.string();
  const protocols = body.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
  const w = new Writer().int32(0);
  const refuse = (errorCode: number) =>
    w.int16(errorCode).int32(-1).string('').string('').string(memberId).int32(0);
  if (groupId === '') return refuse(ErrorCode.INVALID_GROUP_ID);
  if (sessionTimeoutMs < broker.minSessionTimeoutMs || sessionTimeoutMs > broker.maxSessionTimeoutMs) {
    return refuse(ErrorCode.INVALID_SESSION_TIMEOUT);
  }
  if (protocolType === '' || protocols.length === 0) return refuse(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const result = await broker.groups.getOrCreate(groupId).join(
    {
      memberId,
      groupInstanceId,
      clientId: header.clientId ?? '',
      clientHost,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType,
      protocols,
    },
    header.apiVersion,
  );
  w.int16(result.errorCode).int32(result.generationId).string(result.protocol).string(result.leaderId);
  w.string(result.memberId).array(result.members, (out, m) => {
    out.string(m.memberId).string(m.groupInstanceId).bytes(m.metadata);
  });
  return w;
};

/** SyncGroup v3: followers wait until the leader's request brings the assignment. */
export const syncGroup: Handler = async ({ body, broker }) => {
  const groupId = body.string();
  const generationId = body.int32();
  const memberId = body.string();
  body.nullableString(); // group instance id
  const assignments = new Map(body.array((r) => [r.string(), Buffer.from(r.bytes())] as const));
  const group = broker.groups.get(groupId);
  const result = group
    ? await group.sync(memberId, generationId, assignments)
    : { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) };
  return new Writer().int32(0).int16(result.errorCode).bytes(result.assignment);
};

/** Heartbeat v3: REBALANCE_IN_PROGRESS tells a member to rejoin. */
export const heartbeat: Handler = ({ body, broker }) => {
  const groupId = body.string();
  const generationId = body.int32();
  const memberId = body.string();
  const group = broker.groups.get(groupId);
  const errorCode = group ? group.heartbeat(memberId, generationId) : ErrorCode.UNKNOWN_MEMBER_ID;
  return new Writer().int32(0).int16(errorCode);
};

/** LeaveGroup v3 (batch of members). */
export const leaveGroup: Handler = ({ body, broker }) => {
  const groupId = body.string();
  const members = body.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }));
  const group = broker.groups.get(groupId);
  const w = new Writer().int32(0).int16(ErrorCode.NONE);
  w.array(members, (out, m) => {
    const errorCode = group ? group.leave(m.memberId) : ErrorCode.UNKNOWN_MEMBER_ID;
    out.string(m.memberId).string(m.groupInstanceId).int16(errorCode);
  });
  return w;
};

/** OffsetCommit v5: generation and member are checked unless it is a standalone commit (-1, ''). */
export const offsetCommit: Handler = ({ body, broker }) => {
  const groupId = body.string();
  const generationId = body.int32();
  const memberId = body.string();
  const topics = body.array((r) => ({
    topic: r.string(),
    partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64(), metadata: p.nullableString() })),
  }));
  const group = groupId === '' ? undefined : broker.groups.getOrCreate(groupId);
  const groupError = group ? group.canCommit(memberId, generationId) : ErrorCode.INVALID_GROUP_ID;
  const w = new Writer().int32(0);
  w.array(topics, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, { partition, offset, metadata }) => {
      let errorCode: number = groupError;
      if (errorCode === ErrorCode.NONE && !broker.topics.partition(topic, partition)) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      if (errorCode === ErrorCode.NONE) group?.commit(topic, partition, { offset, metadata });
      p.int32(partition).int16(errorCode);
    });
  });
  return w;
};

/** OffsetFetch v3–v4: -1 for partitions without a committed offset; null topics = all of the group's. */
export const offsetFetch: Handler = ({ body, broker }) => {
  const groupId = body.string();
  const requested = body.nullableArray((r) => ({ topic: r.string(), partitions: r.array((p) => p.int32()) }));
  const group = broker.groups.get(groupId);
  const topics =
    requested ??
    [...(group?.offsets.entries() ?? [])].map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions.keys()],
    }));
  const w = new Writer().int32(0);
  w.array(topics, (out, { topic, partitions }) => {
    out.string(topic).array(partitions, (p, partition) => {
      const committed = group?.offsets.get(topic)?.get(partition);
      p.int32(partition)
        .int64(committed?.offset ?? -1n)
        .string(committed ? committed.metadata : '')
        .int16(ErrorCode.NONE);
    });
  });
  return w.int16(ErrorCode.NONE);
};

/** DescribeGroups v1–v2 (an unknown group is reported as Dead, as Kafka does). */
export const describeGroups: Handler = ({ body, broker }) => {
  const groupIds = body.array((r) => r.string());
  const w = new Writer().int32(0);
  w.array(groupIds, (out, groupId) => {
    const group = broker.groups.get(groupId);
    const description = group?.describe() ?? { state: 'Dead', protocolType: '', protocol: '', members: [] };
    out.int16(ErrorCode.NONE).string(groupId).string(description.state).string(description.protocolType);
    out.string(description.protocol).array(description.members, (m, member) => {
      m.string(member.memberId).string(member.clientId).string(member.clientHost);
      m.bytes(member.metadata).bytes(member.assignment);
    });
  });
  return w;
};

/** ListGroups v1–v2. */
export const listGroups: Handler = ({ broker }) => {
  const w = new Writer().int32(0).int16(ErrorCode.NONE);
  w.array(broker.groups.list(), (out, group) => {
    out.string(group.groupId).string(group.protocolType ?? '');
  });
  return w;
};

/** DeleteGroups v0–v1: only groups without members. */
export const deleteGroups: Handler = ({ body, broker }) => {
  const groupIds = body.array((r) => r.string());
  const w = new Writer().int32(0);
  w.array(groupIds, (out, groupId) => {
    out.string(groupId).int16(broker.groups.delete(groupId));
  });
  return w;
};
