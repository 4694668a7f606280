export { type FaultMode, type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
export { killKafka, startKafka, startKafkaFaultProxy } from './kafka-broker.js';
export { type KafkaLog, type LoggedRecord, openKafkaLog, uniqueTopic, waitFor } from './kafka-log.js';
export { type ServiceUrls, serviceUrls, withDatabase } from './service-urls.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { waitForReplica } from './wait-for-replica.js';
