/**
 * `pnpm --filter @intelgraph/message-queue-enhanced bench:kafka-clients` (also the second part of
 * `bench`): the Kafka clients side by side on a real broker (TEST_KAFKA_BROKERS, default
 * 127.0.0.1:9092), kafkajs as the baseline, every scenario on fresh topics and groups, the
 * clients alternating round by round so that load from other work falls on both alike. A table,
 * then the BENCH line (docs/benchmarks.md).
 *
 * @confluentinc/kafka-javascript is not in it: its install downloads a prebuilt librdkafka binding
 * (or, failing that, the sources of OpenSSL, zstd and curl) from outside the npm registry, which
 * our machines cannot reach, so it does not install.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Admin } from '@platformatic/kafka';
import { median, percentile, type Row, ratio, spread } from './bench-kit.js';
import type { BenchClient, BenchConsumer, ReceivedRecord } from './kafka-clients/bench-client.js';
import { kafkajsClient } from './kafka-clients/kafkajs-client.js';
import { platformaticClient } from './kafka-clients/platformatic-client.js';

const brokers = (process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const PARTITIONS = 3;
const VALUE_BYTES = 500;
const PRODUCE_MESSAGES = 10_000;
const PRODUCE_BATCH = 100;
const SINGLE_MESSAGES = 2000;
const SINGLE_IN_FLIGHT = 32;
const LATENCY_MESSAGES = 300;
const CONSUME_MESSAGES = 20_000;
const COMMIT_EACH_MESSAGES = 500;
const ROUNDS = 3;
const REBALANCE_ROUNDS = 2;
const DEADLINE_MS = 60_000;

const run = `bench-kc-${randomUUID().slice(0, 8)}`;
const value = Buffer.from(JSON.stringify({ documentId: 'doc-1', text: 'x'.repeat(VALUE_BYTES - 32) }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`kafka-clients bench: timed out waiting for ${what}`);
    await sleep(2);
  }
}

const clients: BenchClient[] = [kafkajsClient(brokers), platformaticClient(brokers)];
const [baseline, candidate] = clients as [BenchClient, BenchClient];
const slug = (client: BenchClient) => (client === baseline ? 'kafkajs' : 'platformatic');
const topicOf = (client: BenchClient, scenario: string) => `${run}.${slug(client)}.${scenario}`;

/** Per client: the figures of every round. */
type Figures = Map<BenchClient, number[]>;
const figures = () => new Map(clients.map((c) => [c, [] as number[]])) as Figures;

/** (a) Batches of PRODUCE_BATCH records, one produce call after another, each awaited. */
async function produceBatches(client: BenchClient, round: number): Promise<{ rate: number; cpuUs: number }> {
  const producer = await client.producer();
  const topic = topicOf(client, 'produce');
  try {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < PRODUCE_MESSAGES; i += PRODUCE_BATCH) {
      await producer.send(
        topic,
        Array.from({ length: PRODUCE_BATCH }, (_, j) => ({ key: `${round}-${i + j}`, value })),
      );
    }
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return { rate: PRODUCE_MESSAGES / seconds, cpuUs: (used.user + used.system) / PRODUCE_MESSAGES };
  } finally {
    await producer.close();
  }
}

/** (a') One record per produce call, SINGLE_IN_FLIGHT calls at once: how the transport publishes. */
async function produceSingles(client: BenchClient): Promise<number> {
  const producer = await client.producer();
  const topic = topicOf(client, 'single');
  try {
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SINGLE_IN_FLIGHT }, async () => {
        while (next < SINGLE_MESSAGES) {
          const i = next++;
          await producer.send(topic, [{ key: `k${i % 64}`, value }]);
        }
      }),
    );
    return SINGLE_MESSAGES / ((performance.now() - start) / 1000);
  } finally {
    await producer.close();
  }
}

/** (b) Publish one record, wait until the group's consumer has it, publish the next. */
async function latency(client: BenchClient, round: number): Promise<number[]> {
  const topic = topicOf(client, `latency-${round}`);
  const producer = await client.producer();
  let expected = '';
  let receivedAt = 0;
  const consumer = await client.consumer({
    groupId: `${topic}.group`,
    topic,
    commitEachRecord: false,
    onRecord: (r) => {
      if (r.key === expected) receivedAt = performance.now();
    },
  });
  try {
    const out: number[] = [];
    for (let i = -20; i < LATENCY_MESSAGES / ROUNDS; i++) {
      expected = `l-${i}`;
      receivedAt = 0;
      const sentAt = performance.now();
      await producer.send(topic, [{ key: expected, value }]);
      await waitUntil(`record ${expected}`, () => receivedAt > 0);
      if (i >= 0) out.push(receivedAt - sentAt);
    }
    return out;
  } finally {
    await consumer.close();
    await producer.close();
  }
}

/** (c) A new group reads `count` records of the topic (a) filled; from its first record to the last. */
async function consume(
  client: BenchClient,
  count: number,
  commitEachRecord: boolean,
): Promise<{ rate: number; cpuUs: number }> {
  const seen = new Set<string>();
  let first = 0;
  let last = 0;
  let cpu: NodeJS.CpuUsage | undefined;
  const onRecord = (r: ReceivedRecord) => {
    if (seen.size === 0) {
      first = performance.now();
      cpu = process.cpuUsage();
    }
    if (seen.size < count) {
      seen.add(r.key);
      if (seen.size === count) last = performance.now();
    }
  };
  const consumer = await client.consumer({
    groupId: `${run}.${slug(client)}.consume.${randomUUID().slice(0, 8)}`,
    topic: topicOf(client, 'produce'),
    commitEachRecord,
    onRecord,
  });
  try {
    await waitUntil(`${count} records`, () => last > 0);
    const used = process.cpuUsage(cpu);
    return { rate: count / ((last - first) / 1000), cpuUs: (used.user + used.system) / count };
  } finally {
    await consumer.close();
  }
}

/**
 * (d) One consumer reads a topic that gets a record every 10 ms on each partition in turn; a second
 * joins its group. From the second one's start until both have their new partitions and each has
 * handled a record since (the first one: after its own re-join).
 */
async function rebalance(client: BenchClient, round: number): Promise<number> {
  const topic = topicOf(client, `rebalance-${round}`);
  const groupId = `${topic}.group`;
  const producer = await client.producer();
  let producing = true;
  const feeding = (async () => {
    for (let i = 0; producing; i++) {
      await producer.send(topic, [{ key: `r-${i}`, value, partition: i % PARTITIONS }]);
      await sleep(10);
    }
  })();
  let t0 = Number.POSITIVE_INFINITY;
  let aCount = 0;
  let aRejoinedAt = 0;
  let aFlowsAt = 0;
  let bFlowsAt = 0;
  const assigned = { a: [] as readonly number[], b: [] as readonly number[] };
  let a: BenchConsumer | undefined;
  let b: BenchConsumer | undefined;
  try {
    a = await client.consumer({
      groupId,
      topic,
      commitEachRecord: false,
      onAssigned: (partitions) => {
        assigned.a = partitions;
        if (performance.now() > t0) aRejoinedAt = performance.now();
      },
      onRecord: () => {
        aCount++;
        if (aRejoinedAt > 0 && aFlowsAt === 0) aFlowsAt = performance.now();
      },
    });
    await waitUntil('the first consumer to read', () => aCount >= 10);
    t0 = performance.now();
    b = await client.consumer({
      groupId,
      topic,
      commitEachRecord: false,
      onAssigned: (partitions) => {
        assigned.b = partitions;
      },
      onRecord: () => {
        if (bFlowsAt === 0) bFlowsAt = performance.now();
      },
    });
    await waitUntil('both consumers to read after the rebalance', () => aFlowsAt > 0 && bFlowsAt > 0);
    if (assigned.a.length + assigned.b.length !== PARTITIONS || assigned.b.length === 0) {
      throw new Error(`rebalance: assignments ${JSON.stringify(assigned)}`);
    }
    return Math.max(aFlowsAt, bFlowsAt) - t0;
  } finally {
    producing = false;
    await feeding.catch(() => {});
    await b?.close();
    await a?.close();
    await producer.close();
  }
}

const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: brokers });
const topics = clients.flatMap((c) => [
  topicOf(c, 'produce'),
  topicOf(c, 'single'),
  ...Array.from({ length: ROUNDS + 1 }, (_, r) => topicOf(c, `latency-${r}`)),
  ...Array.from({ length: REBALANCE_ROUNDS + 1 }, (_, r) => topicOf(c, `rebalance-${r}`)),
]);
await admin.createTopics({ topics, partitions: PARTITIONS, replicas: 1 });
const startedAt = Date.now();
const loadBefore = loadavg()[0]!;

const produceRate = figures();
const produceCpu = figures();
const singleRate = figures();
const latencies = figures();
const consumeRate = figures();
const consumeCpu = figures();
const commitEachRate = figures();
const rebalanceMs = figures();

// Each scenario: a warm-up round per client, then rounds with the clients alternating.
for (let round = 0; round <= ROUNDS; round++) {
  for (const client of clients) {
    const { rate, cpuUs } = await produceBatches(client, round);
    if (round > 0) {
      produceRate.get(client)!.push(rate);
      produceCpu.get(client)!.push(cpuUs);
    }
  }
}
for (let round = 0; round <= ROUNDS; round++) {
  for (const client of clients) {
    const rate = await produceSingles(client);
    if (round > 0) singleRate.get(client)!.push(rate);
  }
}
for (let round = 0; round <= ROUNDS; round++) {
  for (const client of clients) {
    const out = await latency(client, round);
    if (round > 0) latencies.get(client)!.push(...out);
  }
}
for (let round = 0; round <= 2; round++) {
  for (const client of clients) {
    const { rate, cpuUs } = await consume(client, CONSUME_MESSAGES, false);
    if (round > 0) {
      consumeRate.get(client)!.push(rate);
      consumeCpu.get(client)!.push(cpuUs);
    }
  }
}
for (let round = 0; round <= 2; round++) {
  for (const client of clients) {
    const { rate } = await consume(client, COMMIT_EACH_MESSAGES, true);
    if (round > 0) commitEachRate.get(client)!.push(rate);
  }
}
for (let round = 0; round <= REBALANCE_ROUNDS; round++) {
  for (const client of clients) {
    const ms = await rebalance(client, round);
    if (round > 0) rebalanceMs.get(client)!.push(ms);
  }
}

// Verify: every acknowledged record of (a) is in its topic (warm-up + rounds, per client).
const offsets = await admin.listOffsets({
  topics: clients.map((c) => ({
    name: topicOf(c, 'produce'),
    partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, timestamp: -1n })),
  })),
});
for (const topic of offsets) {
  const stored = topic.partitions.reduce((sum, p) => sum + p.offset, 0n);
  if (stored !== BigInt((ROUNDS + 1) * PRODUCE_MESSAGES)) {
    throw new Error(`kafka-clients bench: ${topic.name} holds ${stored} records`);
  }
}

const rowOf = (
  scenario: string,
  unit: string,
  values: Figures,
  reduce: (v: number[]) => number = median,
  lowerIsBetter = false,
): Row => ({
  scenario,
  ours: reduce(values.get(candidate)!),
  baseline: reduce(values.get(baseline)!),
  unit,
  lowerIsBetter,
  spread: `${spread(values.get(baseline)!)} / ${spread(values.get(candidate)!)}`,
});
const rows: Row[] = [
  rowOf(`produce, batches of ${PRODUCE_BATCH}, acks all, idempotent`, 'msgs/s', produceRate),
  rowOf(`produce, 1 record per send, ${SINGLE_IN_FLIGHT} sends in flight`, 'msgs/s', singleRate),
  rowOf('publish → handler latency p50', 'ms', latencies, (v) => percentile(v, 50), true),
  rowOf('publish → handler latency p99', 'ms', latencies, (v) => percentile(v, 99), true),
  rowOf(`consume ${CONSUME_MESSAGES} (new group, auto-commit)`, 'msgs/s', consumeRate),
  rowOf(`consume ${COMMIT_EACH_MESSAGES}, commit after each record`, 'msgs/s', commitEachRate),
  rowOf('rebalance: 2nd consumer joins, until both read', 'ms', rebalanceMs, median, true),
  rowOf('CPU per message produced (batches)', 'µs', produceCpu, median, true),
  rowOf('CPU per message consumed', 'µs', consumeCpu, median, true),
];
for (const [name, values] of [
  ['latency', latencies],
  ['rebalance', rebalanceMs],
] as const) {
  for (const client of clients) {
    if (values.get(client)!.length === 0) throw new Error(`kafka-clients bench: no ${name} figures`);
  }
}

await admin.deleteTopics({ topics }).catch(() => {});
await admin.close();

const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const header = [
  'figure',
  baseline.name,
  candidate.name,
  'unit',
  `ratio vs kafkajs (>1 = better)`,
  'spread (kafkajs / platformatic)',
];
const lines = rows.map((r) => [
  r.scenario,
  fmt(r.baseline!),
  fmt(r.ours),
  r.unit,
  ratio(r)?.toFixed(2) ?? '—',
  r.spread,
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `\nKafka clients — ${new Date(startedAt).toISOString().slice(0, 10)}, broker ${brokers.join(',')}, ` +
    `${cpus().length} CPUs, Node ${process.version}, load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}, ` +
    `${value.length} B values, ${PARTITIONS} partitions, ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(line(l));
const keys = [
  'produceBatchMsgsPerSec',
  'produceSingleMsgsPerSec',
  'latencyP50Ms',
  'latencyP99Ms',
  'consumeMsgsPerSec',
  'consumeCommitEachMsgsPerSec',
  'rebalanceMs',
  'produceCpuUsPerMsg',
  'consumeCpuUsPerMsg',
];
const metrics: Record<string, number> = {};
const ratios: Record<string, number> = {};
rows.forEach((row, i) => {
  metrics[keys[i]!] = Number(row.ours.toFixed(2));
  const r = ratio(row);
  if (r !== undefined) ratios[keys[i]!] = Number(r.toFixed(3));
});
console.log(
  `BENCH ${JSON.stringify({
    name: 'kafka-clients',
    metrics,
    ratios,
    baseline: `${baseline.name} doing the same on the same broker (figures are ${candidate.name}); ratio > 1 = better than kafkajs`,
  })}`,
);
process.exit(0);
