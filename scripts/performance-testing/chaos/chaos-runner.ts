import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { authHeaders } from '../local-runner/auth-headers.js';
import { classifyResponse } from '../local-runner/graphql-body.js';
import { runLoad } from '../local-runner/run-load.js';
import { loadScenarioConfig } from '../local-runner/scenario-config.js';
import { verifyAcknowledged } from '../local-runner/verify-writes.js';
import { type AppendedEvent, startEventAudit, type TransportAccount } from './event-audit.js';
import { type Fault, faults } from './faults.js';
import { startChaosPlatform } from './platform.js';
import { faultWindowStats } from './recovery.js';

const USAGE = `Chaos runs: each fault applied during a load run against the real services on loopback.

Usage: bash scripts/performance-testing/chaos-test.sh [--fault NAME[,NAME…]] [--duration S] [--inject-at S] [--fault-seconds S] [--connections N]
Faults: replica-stopped, primary-blackholed, redis-stopped, rabbitmq-restarted, subgraph-killed, subgraph-latency (default: all)
CHAOS_REAL=1 stops the real replica / Redis / RabbitMQ instead of cutting the platform's proxies to them.
CHAOS_SUBGRAPHS=accounts,entities limits the subgraphs started (default: every installed one).`;

interface Row {
  readonly fault: string;
  readonly requests: number;
  readonly errors: number;
  readonly errorsDuringAndAfter: number;
  readonly recoverySeconds: number | undefined;
  readonly acknowledged: number;
  readonly found: number;
  readonly lost: number;
  readonly unverified: number;
  readonly p99Ms: number;
  readonly topErrors: string;
  /** Events the outbox relays had to send during this scenario, per transport. */
  readonly events: readonly TransportAccount[];
  readonly eventsDrained: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
    options: {
      fault: { type: 'string', default: 'all' },
      duration: { type: 'string', default: '30' },
      'inject-at': { type: 'string', default: '8' },
      'fault-seconds': { type: 'string', default: '10' },
      connections: { type: 'string', default: '6' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const duration = Number(values.duration);
  const injectAt = Number(values['inject-at']);
  const faultSeconds = Number(values['fault-seconds']);
  const connections = Number(values.connections);
  if (!(duration > 0 && duration <= 300)) throw new Error('--duration must be 1..300 seconds');
  if (!(injectAt >= 1 && injectAt + faultSeconds < duration))
    throw new Error('the fault must end before the run');
  if (!(connections >= 1 && connections <= 64)) throw new Error('--connections must be 1..64');
  const all = faults(process.env.CHAOS_REAL === '1');
  const selected: Fault[] =
    values.fault === 'all'
      ? all
      : values.fault!.split(',').map((n) => {
          const f = all.find((x) => x.name === n);
          if (!f) throw new Error(`unknown fault '${n}' (${all.map((x) => x.name).join(', ')})`);
          return f;
        });
  const config = loadScenarioConfig(path.join(here, '..', 'local-runner', 'scenarios.json'));
  const logDir = path.join(root, '.reports', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(logDir, { recursive: true });
  process.stdout.write(`starting the platform (logs: ${logDir})\n`);
  const only = (process.env.CHAOS_SUBGRAPHS ?? '').split(',').filter(Boolean);
  const platform = await startChaosPlatform({ root, logDir, subgraphs: only });
  // Before any event is published: RabbitMQ keeps only what arrives once our group exists.
  const audit = await startEventAudit(platform.databases);
  const rows: Row[] = [];
  try {
    const headers = authHeaders({
      LOAD_JWT_SECRET: platform.jwtSecret,
      LOAD_TENANT: `chaos${Date.now() % 100000}`,
    });
    for (const op of config.setup ?? []) {
      const res = await fetch(platform.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: op.query }),
      });
      const outcome = classifyResponse(res.status, await res.text());
      if (!outcome.ok && !(op.tolerate ?? []).includes(outcome.code ?? '')) {
        throw new Error(`setup ${op.name} failed: ${outcome.code}`);
      }
    }
    process.stdout.write(
      `platform up: gateway ${platform.url}, subgraphs ${platform.subgraphs.join(', ')}\n`,
    );
    let accounted = new Set<string>();
    for (const fault of selected) {
      process.stdout.write(`\n== ${fault.name}: ${fault.description}\n   expect: ${fault.expectation}\n`);
      let injectSecond = -1;
      let healSecond = -1;
      let healing: Promise<void> | undefined;
      const result = await runLoad({
        url: platform.url,
        stages: [{ duration: `${duration}s`, target: connections }],
        operations: config.operations,
        headers,
        timeoutSeconds: 5,
        onSecond: (p) => {
          if (injectSecond < 0 && p.second >= injectAt) {
            injectSecond = p.second;
            Promise.resolve(fault.inject(platform)).catch((e) =>
              process.stderr.write(`inject failed: ${e}\n`),
            );
            process.stdout.write(`   t=${p.second}s fault applied\n`);
          } else if (injectSecond >= 0 && !healing && p.second >= injectAt + faultSeconds) {
            healing = Promise.resolve(fault.heal(platform)).then(
              () => {
                healSecond = p.second;
                process.stdout.write(`   t=${p.second}s fault removed\n`);
              },
              (e) => {
                process.stderr.write(`heal failed: ${e}\n`);
              },
            );
          }
        },
      });
      if (!healing) healing = Promise.resolve(fault.heal(platform));
      await healing;
      if (healSecond < 0) healSecond = injectAt + faultSeconds;
      const stats = faultWindowStats(result.timeline, injectSecond < 0 ? injectAt : injectSecond, healSecond);
      const verification = await verifyAcknowledged({
        url: platform.url,
        headers,
        operations: config.operations,
        acknowledged: result.acknowledged,
      });
      // Every event appended since the previous scenario must reach each transport once the
      // relays have drained (the fault is healed by now).
      const eventsDrained = await audit.drain(30_000);
      const rowKey = (e: AppendedEvent) => `${e.topic}/${e.id}`;
      const appended = (await audit.appended()).filter((e) => !accounted.has(rowKey(e)));
      accounted = new Set([...accounted, ...appended.map(rowKey)]);
      const events = await audit.accounts(appended);
      const top = Object.entries(result.errorCodes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([c, n]) => `${c}×${n}`)
        .join(' ');
      rows.push({
        fault: fault.name,
        requests: result.requests,
        errors: result.errors,
        errorsDuringAndAfter: stats.errorsDuringAndAfter,
        recoverySeconds: stats.recoverySeconds,
        acknowledged: verification.acknowledged,
        found: verification.found,
        lost: verification.lost.length,
        unverified: verification.unverified.length,
        p99Ms: result.latency.p99Ms,
        topErrors: top || '—',
        events,
        eventsDrained,
      });
      const byOperation = Object.entries(result.perOperation)
        .map(([op, c]) => `${op} ${c.errors}/${c.requests}`)
        .join(', ');
      const row = rows.at(-1)!;
      process.stdout.write(
        `   ${row.requests} requests, ${row.errors} client errors (${top || 'none'}), recovered ${
          row.recoverySeconds === undefined ? 'NOT within the run' : `${row.recoverySeconds} s after the heal`
        }, writes ${row.acknowledged} acknowledged / ${row.found} found / ${row.lost} lost\n   errors/requests by operation: ${byOperation}\n`,
      );
      for (const e of row.events) {
        process.stdout.write(
          `   events → ${e.transport}: ${e.appended} appended, ${e.delivered} delivered, ${e.lost} lost${
            e.lostIds.length ? ` (${e.lostIds.join(', ')}…)` : ''
          }, ${e.duplicates} duplicates${e.unaudited ? `, ${e.unaudited} on topics not audited` : ''}${
            row.eventsDrained ? '' : ' (outbox NOT drained within 30 s)'
          }\n`,
        );
      }
    }
  } finally {
    await audit.stop();
    await platform.stop();
  }
  const lines = [
    '',
    `chaos: ${duration} s of load at ${connections} connections per fault; fault from t=${injectAt}s for ${faultSeconds}s`,
    '',
    '| fault | requests | client errors | error % | time to recover | writes acked | found | lost | unverified | p99 | top errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.requests} | ${r.errors} | ${((r.errors / Math.max(1, r.requests)) * 100).toFixed(2)} | ${
          r.recoverySeconds === undefined ? 'not recovered' : `${r.recoverySeconds} s`
        } | ${r.acknowledged} | ${r.found} | ${r.lost} | ${r.unverified} | ${r.p99Ms.toFixed(0)} ms | ${r.topErrors} |`,
    ),
    '',
    'Events through the outbox, per transport (appended = outbox rows written during the scenario):',
    '',
    '| fault | transport | appended | delivered | lost | duplicates | outbox drained |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.flatMap((r) =>
      r.events.map(
        (e) =>
          `| ${r.fault} | ${e.transport} | ${e.appended} | ${e.delivered} | ${e.lost} | ${e.duplicates} | ${r.eventsDrained ? 'yes' : 'NO'} |`,
      ),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const lostAny = rows.some((r) => r.lost > 0);
  const eventsLost = rows.some((r) => r.events.some((e) => e.lost > 0));
  const unrecovered = rows.filter((r) => r.recoverySeconds === undefined).map((r) => r.fault);
  process.stdout.write(
    `\ndata lost: ${lostAny ? 'YES' : 'none'}; events lost: ${eventsLost ? 'YES' : 'none'}; unrecovered: ${unrecovered.length ? unrecovered.join(', ') : 'none'}\n`,
  );
  const metrics: Record<string, number> = {};
  for (const r of rows) {
    metrics[`${r.fault}.errors`] = r.errors;
    metrics[`${r.fault}.recoverySeconds`] = r.recoverySeconds ?? -1;
    metrics[`${r.fault}.lostWrites`] = r.lost;
    for (const e of r.events) {
      metrics[`${r.fault}.${e.transport}.eventsLost`] = e.lost;
      metrics[`${r.fault}.${e.transport}.eventDuplicates`] = e.duplicates;
    }
  }
  process.stdout.write(
    `BENCH ${JSON.stringify({ name: 'chaos', metrics, ratios: {}, baseline: 'no fault: 0 errors, 0 lost writes, 0 lost events' })}\n`,
  );
  if (lostAny || eventsLost || unrecovered.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 2;
});
