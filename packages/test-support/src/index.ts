export { type FaultMode, type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
export { type ServiceUrls, serviceUrls, withDatabase } from './service-urls.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { waitForReplica } from './wait-for-replica.js';
