import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, startTestBroker, type TestBroker } from '../src/index.js';
import { Writer } from '../src/protocol/writer.js';
import { collect, eventually, fastGroup, kafkaFor, type Received } from './helpers/kafka-client.js';
import { RawClient } from './helpers/raw-client.js';

const TOPIC = 'orders';
const PARTITIONS = 4;

/** Tracks the partitions of TOPIC a consumer holds after each rebalance. */
function trackAssignment(consumer: Consumer): { partitions: number[] } {
  const held = { partitions: [] as number[] };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    held.partitions = [...(payload.memberAssignment[TOPIC] ?? [])].sort();
  });
  return held;
}

describe('consumer groups', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ topics: [{ name: TOPIC, partitions: PARTITIONS }] });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('splits partitions between two members and hands them all to the survivor when one leaves', async () => {
    const kafka = kafkaFor(broker);
    const producer = kafka.producer();
    await producer.connect();
    const one = kafka.consumer({ groupId: 'split', ...fastGroup });
    const two = kafka.consumer({ groupId: 'split', ...fastGroup });
    const heldByOne = trackAssignment(one);
    const heldByTwo = trackAssignment(two);
    const receivedByOne: Received[] = [];
    const receivedByTwo: Received[] = [];
    try {
      await one.connect();
      await one.subscribe({ topic: TOPIC, fromBeginning: true });
      void collect(one, Number.POSITIVE_INFINITY, receivedByOne);
      await eventually(() => heldByOne.partitions.length === PARTITIONS, 'first member owns every partition');

      await two.connect();
      await two.subscribe({ topic: TOPIC, fromBeginning: true });
      void collect(two, Number.POSITIVE_INFINITY, receivedByTwo);
      await eventually(
        () => heldByOne.partitions.length > 0 && heldByTwo.partitions.length > 0,
        'a rebalance gives both members partitions',
      );
      await eventually(
        () => heldByOne.partitions.length + heldByTwo.partitions.length === PARTITIONS,
        'assignments settle',
      );
      expect([...heldByOne.partitions, ...heldByTwo.partitions].sort()).toEqual([0, 1, 2, 3]);
      expect(broker.group('split')).toMatchObject({ state: 'Stable', members: 2 });

      await producer.send({
        topic: TOPIC,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          value: `p${partition}`,
        })),
      });
      await eventually(
        () => receivedByOne.length + receivedByTwo.length === PARTITIONS,
        'all four delivered',
      );
      expect(receivedByOne.map((m) => m.partition).sort()).toEqual(heldByOne.partitions);
      expect(receivedByTwo.map((m) => m.partition).sort()).toEqual(heldByTwo.partitions);

      await two.disconnect(); // LeaveGroup
      await eventually(
        () => heldByOne.partitions.length === PARTITIONS,
        'survivor takes over every partition',
      );
      await producer.send({
        topic: TOPIC,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          value: `after-${partition}`,
        })),
      });
      await eventually(
        () => receivedByOne.filter((m) => m.value?.startsWith('after-')).length === PARTITIONS,
        'survivor consumes from the partitions it took over',
      );
      // Nothing is delivered twice: the leaver committed before leaving.
      const all = [...receivedByOne, ...receivedByTwo].map((m) => `${m.partition}@${m.offset}`);
      expect(new Set(all).size).toBe(all.length);
    } finally {
      await one.disconnect();
      await two.disconnect();
      await producer.disconnect();
    }
  });

  it('removes a member that stops heartbeating and rebalances its partitions to the others', async () => {
    // A hand-driven member joins first, becomes leader, takes partitions, then goes silent.
    const raw = await RawClient.open(broker.port);
    const join = (memberId: string) =>
      raw.request(
        ApiKey.JoinGroup,
        5,
        new Writer()
          .string('silent')
          .int32(400) // session timeout
          .int32(400) // rebalance timeout
          .string(memberId)
          .string(null)
          .string('consumer')
          .array(['RoundRobinAssigner'], (w, name) => w.string(name).bytes(Buffer.alloc(0))),
      );
    const first = await join('');
    expect(first.int32()).toBe(0);
    expect(first.int16()).toBe(79); // MEMBER_ID_REQUIRED, with the id to use
    first.int32();
    first.string();
    first.string();
    const memberId = first.string();
    const joined = await join(memberId);
    joined.int32();
    expect(joined.int16()).toBe(0);
    const generation = joined.int32();
    const synced = await raw.request(
      ApiKey.SyncGroup,
      3,
      new Writer()
        .string('silent')
        .int32(generation)
        .string(memberId)
        .string(null)
        .array([memberId], (w, id) => w.string(id).bytes(Buffer.alloc(0))),
    );
    synced.int32();
    expect(synced.int16()).toBe(0);
    expect(broker.group('silent')).toMatchObject({ state: 'Stable', members: 1 });

    const kafka = kafkaFor(broker);
    const survivor = kafka.consumer({ groupId: 'silent', ...fastGroup });
    const held = trackAssignment(survivor);
    try {
      await survivor.connect();
      await survivor.subscribe({ topic: TOPIC, fromBeginning: true });
      void collect(survivor, Number.POSITIVE_INFINITY);
      // The silent member never rejoins: the rebalance timeout, then its session, remove it.
      await eventually(() => held.partitions.length === PARTITIONS, 'survivor owns every partition');
      expect(broker.group('silent')).toMatchObject({ members: 1 });
    } finally {
      await survivor.disconnect();
      raw.close();
    }
  });

  it('describes a group with its members and their assignments', async () => {
    const kafka = kafkaFor(broker);
    const consumer = kafka.consumer({ groupId: 'described', ...fastGroup });
    const held = trackAssignment(consumer);
    const admin = kafka.admin();
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC });
      void collect(consumer, Number.POSITIVE_INFINITY);
      await eventually(() => held.partitions.length === PARTITIONS, 'consumer joined');
      await admin.connect();
      const { groups } = await admin.describeGroups(['described', 'never-seen']);
      expect(groups[0]).toMatchObject({ groupId: 'described', state: 'Stable', protocolType: 'consumer' });
      expect(groups[0]?.members).toHaveLength(1);
      expect(groups[1]).toMatchObject({ groupId: 'never-seen', state: 'Dead' });
    } finally {
      await admin.disconnect();
      await consumer.disconnect();
    }
  });
});
