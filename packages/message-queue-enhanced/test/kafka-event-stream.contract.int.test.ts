import { randomUUID } from 'node:crypto';
import { serviceUrls } from '@intelgraph/test-support';
import { KafkaEventStream } from '../src/kafka/kafka-event-stream.js';
import { runTransportContract } from './contract/transport-contract.js';

/**
 * The transport contract on the real Apache Kafka broker (TEST_KAFKA_BROKERS). The broker keeps
 * its data between runs: the suite names every topic `contract.<what>.<random>`, and the Kafka
 * groups (`<group>.<topic>`) and the retry and dead-letter topics derive from the topic, so a rerun
 * never meets an earlier run's records or offsets; client ids are unique per run too.
 */
const run = randomUUID().slice(0, 8);
let instances = 0;

runTransportContract(
  'kafka (real broker)',
  (options) =>
    new KafkaEventStream({
      ...options,
      clientId: `transport-contract-${run}-${++instances}`,
      brokers: serviceUrls().kafkaBrokers,
      sessionTimeoutMs: 10_000,
    }),
  { timeoutMs: 30_000 },
);
