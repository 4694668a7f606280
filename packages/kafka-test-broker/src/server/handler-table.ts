import { ApiKey } from '../protocol/api-keys.js';
import type { Handler } from './broker-context.js';
import {
  apiVersions,
  createPartitions,
  createTopics,
  deleteTopics,
  findCoordinator,
  metadata,
} from './handlers/cluster-handlers.js';
import { fetch, listOffsets } from './handlers/fetch-handler.js';
import {
  deleteGroups,
  describeGroups,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  offsetCommit,
  offsetFetch,
  syncGroup,
} from './handlers/group-handlers.js';
import { produce } from './handlers/produce-handler.js';
import {
  addOffsetsToTxn,
  addPartitionsToTxn,
  endTxn,
  initProducerId,
  txnOffsetCommit,
} from './handlers/txn-handlers.js';

/** One handler per served API key (the versions are in `supportedVersions`). */
export const handlerTable: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [ApiKey.Produce, produce],
  [ApiKey.Fetch, fetch],
  [ApiKey.ListOffsets, listOffsets],
  [ApiKey.Metadata, metadata],
  [ApiKey.OffsetCommit, offsetCommit],
  [ApiKey.OffsetFetch, offsetFetch],
  [ApiKey.FindCoordinator, findCoordinator],
  [ApiKey.JoinGroup, joinGroup],
  [ApiKey.Heartbeat, heartbeat],
  [ApiKey.LeaveGroup, leaveGroup],
  [ApiKey.SyncGroup, syncGroup],
  [ApiKey.DescribeGroups, describeGroups],
  [ApiKey.ListGroups, listGroups],
  [ApiKey.ApiVersions, apiVersions],
  [ApiKey.CreateTopics, createTopics],
  [ApiKey.DeleteTopics, deleteTopics],
  [ApiKey.InitProducerId, initProducerId],
  [ApiKey.AddPartitionsToTxn, addPartitionsToTxn],
  [ApiKey.AddOffsetsToTxn, addOffsetsToTxn],
  [ApiKey.EndTxn, endTxn],
  [ApiKey.TxnOffsetCommit, txnOffsetCommit],
  [ApiKey.CreatePartitions, createPartitions],
  [ApiKey.DeleteGroups, deleteGroups],
]);
