import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDashboards } from '../src/observability/dashboards.js';
import { metricNamesInExposition } from '../src/observability/exposition-metric-names.js';
import { metricReaders } from '../src/observability/metric-readers.js';
import { RULES_FILE } from '../src/observability/prometheus-rule-manifest.js';
import { readPromtoolTests } from '../src/observability/promtool-test-series.js';
import { INFRA_DIR, REPO_ROOT } from './paths.js';

/*
 * Every metric an alert, a recording rule or a dashboard panel reads must be registered by a
 * service as it really runs: the platform is started as `pnpm start` starts it (gateway and
 * every subgraph), wired to the real Redis, RabbitMQ and Kafka on loopback so that the caches'
 * L2, the outbox relays, the consumers and the gateway's cache invalidation all exist, and each
 * process's /metrics is scraped. No list of expected names: a name no service declares fails,
 * whoever was meant to export it. Only the exporters that run beside the services in the cluster
 * (CloudNativePG, the RabbitMQ and Redis exporters, Prometheus's own `up`) are outside the check.
 * The promtool unit tests must feed their alerts series of exactly these names.
 */
const EXTERNAL_EXPORTERS = [/^up$/, /^cnpg_/, /^rabbitmq_/, /^redis_/];

const rules = parse(readFileSync(path.join(INFRA_DIR, RULES_FILE), 'utf8'));
const readers = metricReaders(rules, loadDashboards(INFRA_DIR));
const recorded = new Set<string>(
  rules.groups.flatMap((g: { rules: { record?: string }[] }) =>
    g.rules.flatMap((r) => (r.record ? [r.record] : [])),
  ),
);
const isExternal = (name: string) => EXTERNAL_EXPORTERS.some((re) => re.test(name));

let child: ChildProcess | undefined;
/** Metric names by the URL of the process that declares them. */
const scraped = new Map<string, Set<string>>();
const registered = () => new Set([...scraped.values()].flatMap((s) => [...s]));

beforeAll(async () => {
  const urls = serviceUrls();
  const started = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'dev', 'start.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        GATEWAY_PORT: '0',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        CACHE_RESPONSES: 'true',
        CACHE_ENTITIES: 'true',
        REDIS_URL: urls.redis,
        AMQP_URL: urls.amqp,
        KAFKA_BROKERS: urls.kafkaBrokers.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = started;
  let out = '';
  let err = '';
  started.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  started.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const deadline = Date.now() + 120_000;
  while (!out.includes('Ctrl-C stops everything.')) {
    if (started.exitCode !== null || Date.now() > deadline)
      throw new Error(`pnpm start did not come up:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const origins = [...new Set([...out.matchAll(/http:\/\/127\.0\.0\.1:\d+/g)].map((m) => m[0]))];
  for (const origin of origins) {
    const res = await fetch(`${origin}/metrics`);
    expect(res.status, `${origin}/metrics`).toBe(200);
    scraped.set(origin, metricNamesInExposition(await res.text()));
  }
}, 180_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}, 30_000);

describe('metrics the rules and dashboards read, against the running services', () => {
  it('scraped the gateway and every subgraph', () => {
    // The gateway and the three subgraphs (the printed URLs all live on one origin each).
    expect(scraped.size).toBeGreaterThanOrEqual(4);
    for (const [origin, names] of scraped) expect(names.size, origin).toBeGreaterThan(5);
  });

  it('every metric an alert, a recording rule or a panel reads is registered by a running service', () => {
    const have = registered();
    const unregistered = readers
      .filter((r) => !have.has(r.metric) && !recorded.has(r.metric) && !isExternal(r.metric))
      .map((r) => `${r.readBy} reads ${r.metric}, which no running service registers`);
    expect(unregistered).toEqual([]);
  });

  it('each alert of our own metrics reads at least one of them (none reads only absent series)', () => {
    const have = registered();
    const alerts = new Map<string, string[]>();
    for (const r of readers.filter((x) => x.readBy.startsWith('alert '))) {
      alerts.set(r.readBy, [...(alerts.get(r.readBy) ?? []), r.metric]);
    }
    for (const [alert, metrics] of alerts) {
      const ours = metrics.filter((m) => !isExternal(m));
      if (ours.length === 0) continue;
      expect(
        ours.some((m) => have.has(m) || recorded.has(m)),
        `${alert}: ${ours.join(', ')}`,
      ).toBe(true);
    }
  });

  it('the promtool tests feed the alerts series named exactly as the services register them', () => {
    const have = registered();
    const { series } = readPromtoolTests(path.join(INFRA_DIR, 'observability', 'prometheus', 'tests'));
    expect(series.length).toBeGreaterThan(10);
    expect(
      series
        .filter((s) => !have.has(s.metric) && !recorded.has(s.metric) && !isExternal(s.metric))
        .map((s) => `${s.file}: ${s.metric}`),
    ).toEqual([]);
  });

  it('the check fails on a name no service registers (the OutboxLagHigh alert once read one)', () => {
    const have = registered();
    expect(have.has('intelgraph_outbox_lag_seconds')).toBe(true);
    expect(have.has('intelgraph_outbox_oldest_pending_age_seconds')).toBe(false);
    const stale = metricReaders(
      {
        groups: [
          {
            rules: [
              {
                alert: 'OutboxLagHigh',
                expr: 'max by (service) (intelgraph_outbox_oldest_pending_age_seconds) > 60',
              },
            ],
          },
        ],
      },
      new Map(),
    ).filter((r) => !have.has(r.metric));
    expect(stale).toEqual([
      { metric: 'intelgraph_outbox_oldest_pending_age_seconds', readBy: 'alert OutboxLagHigh' },
    ]);
  });
});
