/**
 * `pnpm --filter @intelgraph/message-queue-enhanced bench`: every scenario, ours and the baseline
 * in the same run; a table, then the BENCH line (see docs/benchmarks.md).
 */
import { cpus } from 'node:os';
import { printTable, type Row, ratio } from './bench-kit.js';
import { eventStoreBench } from './event-store.bench.js';
import { rabbitmqPublishBench } from './rabbitmq-publish.bench.js';

const rows: Row[] = [...(await rabbitmqPublishBench()), ...(await eventStoreBench())];
console.log(
  `\nmessage-queue-enhanced benchmark — ${cpus().length} CPUs, Node ${process.version}, shared machine: compare ratios\n`,
);
printTable(rows);
const keys = [
  'publishMsgsPerSec',
  'publishVsBareMessageMsgsPerSec',
  'publishToConsumeP50Ms',
  'publishToConsumeP99Ms',
  'appendSingleEventsPerSec',
  'appendBatch100Ms',
  'replay10kMs',
  'outboxRelayEventsPerSec',
];
const metrics: Record<string, number> = {};
const ratios: Record<string, number> = {};
rows.forEach((row, i) => {
  const key = keys[i]!;
  metrics[key] = Number(row.ours.toFixed(2));
  const r = ratio(row);
  if (r !== undefined) ratios[key] = Number(r.toFixed(3));
});
console.log(
  `BENCH ${JSON.stringify({
    name: 'message-queue-enhanced',
    metrics,
    ratios,
    baseline:
      'raw amqplib confirm channel sending the same message to an exchange → quorum queue (publish, latency, relay without database work; publish also against a bare message); raw pg INSERT/SELECT on a same-shape table (append, replay); ratio > 1 = ours better',
  })}`,
);
process.exit(0);
