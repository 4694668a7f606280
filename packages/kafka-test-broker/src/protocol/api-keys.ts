/** Kafka API keys this broker knows by name (the numbers are the protocol's). */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  CreatePartitions: 37,
  DeleteGroups: 42,
} as const;

export type ApiKeyName = keyof typeof ApiKey;
export type ApiKeyNumber = (typeof ApiKey)[ApiKeyName];

/**
 * The version range served for each API. The maximum is the highest version kafkajs 2.2.4 knows,
 * so kafkajs negotiates exactly what it would negotiate with a current Kafka broker; the minimum
 * is the lowest version whose layout this broker decodes. None of these is a flexible version.
 */
export const supportedVersions: Readonly<Record<ApiKeyNumber, readonly [min: number, max: number]>> = {
  [ApiKey.Produce]: [3, 7],
  [ApiKey.Fetch]: [11, 11],
  [ApiKey.ListOffsets]: [2, 3],
  [ApiKey.Metadata]: [4, 6],
  [ApiKey.OffsetCommit]: [5, 5],
  [ApiKey.OffsetFetch]: [3, 4],
  [ApiKey.FindCoordinator]: [1, 2],
  [ApiKey.JoinGroup]: [5, 5],
  [ApiKey.Heartbeat]: [3, 3],
  [ApiKey.LeaveGroup]: [3, 3],
  [ApiKey.SyncGroup]: [3, 3],
  [ApiKey.DescribeGroups]: [1, 2],
  [ApiKey.ListGroups]: [1, 2],
  [ApiKey.ApiVersions]: [0, 2],
  [ApiKey.CreateTopics]: [2, 3],
  [ApiKey.DeleteTopics]: [1, 1],
  [ApiKey.InitProducerId]: [0, 1],
  [ApiKey.AddPartitionsToTxn]: [0, 1],
  [ApiKey.AddOffsetsToTxn]: [0, 1],
  [ApiKey.EndTxn]: [0, 1],
  [ApiKey.TxnOffsetCommit]: [0, 1],
  [ApiKey.CreatePartitions]: [0, 1],
  [ApiKey.DeleteGroups]: [0, 1],
};

export function isSupported(apiKey: number, apiVersion: number): boolean {
  const range = (supportedVersions as Readonly<Record<number, readonly [number, number]>>)[apiKey];
  return range !== undefined && apiVersion >= range[0] && apiVersion <= range[1];
}

export function apiName(apiKey: number): string {
  for (const [name, key] of Object.entries(ApiKey)) if (key === apiKey) return name;
  return `ApiKey(${apiKey})`;
}
