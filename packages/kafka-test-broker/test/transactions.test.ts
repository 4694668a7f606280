import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../src/index.js';
import { collect, eventually, fastGroup, kafkaFor, type Received } from './helpers/kafka-client.js';

describe('transactions', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ topics: [{ name: 'ledger', partitions: 1 }] });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('shows read_committed consumers committed records only, and open ones after their commit', async () => {
    const kafka = kafkaFor(broker);
    const producer = kafka.producer({
      transactionalId: 'ledger-writer',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committedReader = kafka.consumer({ groupId: 'committed-reader', ...fastGroup });
    const dirtyReader = kafka.consumer({ groupId: 'dirty-reader', readUncommitted: true, ...fastGroup });
    try {
      const first = await producer.transaction();
      await first.send({ topic: 'ledger', messages: [{ value: 'c1' }, { value: 'c2' }] });
      await first.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic: 'ledger', messages: [{ value: 'aborted' }] });
      await aborted.abort();
      const open = await producer.transaction();
      await open.send({ topic: 'ledger', messages: [{ value: 'pending' }] });

      await committedReader.connect();
      await committedReader.subscribe({ topic: 'ledger', fromBeginning: true });
      const committed: Received[] = [];
      void collect(committedReader, Number.POSITIVE_INFINITY, committed);
      await eventually(() => committed.length === 2, 'committed records delivered');
      await sleep(300);
      expect(committed.map((m) => m.value)).toEqual(['c1', 'c2']);

      await open.commit();
      await eventually(() => committed.length === 3, 'record delivered once its transaction commits');
      expect(committed.map((m) => m.value)).toEqual(['c1', 'c2', 'pending']);

      await dirtyReader.connect();
      await dirtyReader.subscribe({ topic: 'ledger', fromBeginning: true });
      const everything = await collect(dirtyReader, 4);
      expect(everything.map((m) => m.value)).toEqual(['c1', 'c2', 'aborted', 'pending']);
    } finally {
      await committedReader.disconnect();
      await dirtyReader.disconnect();
      await producer.disconnect();
    }
  });

  it('commits consumer offsets with the transaction, and drops them when it aborts', async () => {
    const producer = kafkaFor(broker).producer({
      transactionalId: 'offset-writer',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.sendOffsets({
        consumerGroupId: 'txn-group',
        topics: [{ topic: 'ledger', partitions: [{ partition: 0, offset: '1' }] }],
      });
      await aborted.abort();
      expect(broker.committedOffset('txn-group', 'ledger', 0)).toBeUndefined();

      const committed = await producer.transaction();
      await committed.send({ topic: 'ledger', messages: [{ value: 'with-offsets' }] });
      await committed.sendOffsets({
        consumerGroupId: 'txn-group',
        topics: [{ topic: 'ledger', partitions: [{ partition: 0, offset: '2' }] }],
      });
      expect(broker.committedOffset('txn-group', 'ledger', 0)).toBeUndefined();
      await committed.commit();
      expect(broker.committedOffset('txn-group', 'ledger', 0)).toBe(2n);
    } finally {
      await producer.disconnect();
    }
  });

  it('fences the older producer when another one initialises the same transactional id', async () => {
    const kafka = kafkaFor(broker, 1);
    const older = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1 });
    const newer = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1 });
    await older.connect();
    await newer.connect();
    try {
      const stale = await older.transaction();
      await newer.transaction(); // InitProducerId again: bumps the epoch, fencing `older`
      await expect(stale.send({ topic: 'ledger', messages: [{ value: 'zombie' }] })).rejects.toThrow(
        /epoch/i,
      );
      expect(broker.records('ledger', 0).map((r) => r.value?.toString())).not.toContain('zombie');
    } finally {
      await older.disconnect();
      await newer.disconnect();
    }
  });
});
