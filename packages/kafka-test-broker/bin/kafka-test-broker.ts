#!/usr/bin/env -S node --import tsx
/**
 * Runs the in-memory Kafka-protocol TEST broker in the foreground, for poking at it by hand
 * (kafkajs scripts, a service pointed at KAFKA_BROKERS=127.0.0.1:9092). Not for production.
 *
 *   kafka-test-broker [--port 9092] [--host 127.0.0.1] [--partitions 1]
 *                     [--topic name[:partitions]]... [--no-auto-create]
 */
import { parseArgs } from 'node:util';
import { startTestBroker } from '../src/index.js';

const usage = `usage: kafka-test-broker [--port 9092] [--host 127.0.0.1] [--partitions N] [--topic name[:partitions]]... [--no-auto-create]`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '9092' },
      host: { type: 'string', default: '127.0.0.1' },
      partitions: { type: 'string', default: '1' },
      topic: { type: 'string', multiple: true, default: [] },
      'no-auto-create': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const topics = values.topic.map((spec) => {
    const [name = '', partitions] = spec.split(':');
    return partitions === undefined ? { name } : { name, partitions: Number(partitions) };
  });
  const broker = await startTestBroker({
    port: Number(values.port),
    host: values.host,
    defaultPartitions: Number(values.partitions),
    autoCreateTopics: !values['no-auto-create'],
    topics,
  });
  console.log(`kafka-test-broker (TEST TOOL, in memory) listening on ${broker.brokers[0]}`);
  const shutdown = () => {
    void broker.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.argv.slice(2).filter((arg) => arg !== '--')).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(usage);
  process.exit(78);
});
