export { BrokerFaults } from './faults.js';
export type { GroupState } from './group/consumer-group.js';
export {
  Compression,
  encodeRecordBatch,
  type KafkaRecord,
  type RecordHeader,
} from './log/record-batch.js';
export { ApiKey, type ApiKeyName, supportedVersions } from './protocol/api-keys.js';
export { ErrorCode } from './protocol/error-codes.js';
export { startTestBroker, type TestBroker } from './start-test-broker.js';
export { type TestBrokerOptions, testBrokerDefaults } from './test-broker-options.js';
