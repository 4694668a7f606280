import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'kafka-test-broker.ts');

describe('kafka-test-broker CLI', () => {
  it('serves kafkajs on the printed address and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, '--port', '0', '--topic', 'from-cli:3'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const address = /listening on (\S+)/.exec(line.toString())?.[1];
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
      const admin = new Kafka({ brokers: [address as string], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: ['from-cli'] });
      await admin.disconnect();
      expect(topics[0]?.partitions).toHaveLength(3);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
