/**
 * Federation benchmark: vanilla @apollo/gateway (defaults) vs our gateway (caching off), same
 * run, same four in-memory subgraphs (accounts, products, inventory, reviews), one query that
 * touches all four, autocannon on loopback. Each gateway runs in its own process; rounds
 * alternate the order; the median round is reported. Answers are compared before measuring.
 *
 *   pnpm --filter @intelgraph/performance-testing bench
 *   options: --duration=8 --warmup=2 --rounds=3 --connections=50 --profile (writes .cpuprofile
 *   files of our gateway to federation/profiles/)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeSupergraph } from '@intelgraph/gateway';
import { CLASSIC_QUERY } from '@intelgraph/gateway/testing';
import autocannon from 'autocannon';
import { startBenchProcess as start, stopBenchProcess as stop } from './bench-process.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
  },
});
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const here = import.meta.dirname;
const BODY = JSON.stringify({ query: CLASSIC_QUERY, operationName: 'TopProducts' });

async function post(url: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  return res.json();
}

function run(url: string, seconds: number): Promise<{ result: autocannon.Result; latencies: number[] }> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
        connections: CONNECTIONS,
        duration: seconds,
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies })),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  opsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  rssMB: number;
  /** CPU time the gateway process spent per request: robust to a busy machine, unlike req/s. */
  cpuMsPerRequest: number;
  /** Subgraph requests per request, one request at a time (the query plan's fetches). */
  subgraphCallsPerRequest: number;
  /** The same under load, where in-flight deduplication can share fetches between requests. */
  subgraphCallsPerRequestUnderLoad: number;
  errors: number;
}

async function measure(
  name: 'vanilla' | 'ours' | 'ours-nodedup',
  supergraphPath: string,
  subgraphs: ReturnType<typeof start>,
  expected: unknown,
  round: number,
): Promise<Figures> {
  const script = name === 'vanilla' ? 'vanilla-gateway-process.ts' : 'ours-gateway-process.ts';
  const env: Record<string, string> = name === 'ours-nodedup' ? { SUBGRAPH_DEDUP: 'false' } : {};
  const profileDir = join(here, 'profiles');
  const execArgv = values.profile && name === 'ours' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (execArgv.length > 0) mkdirSync(profileDir, { recursive: true });
  const gw = start(script, [supergraphPath], env, execArgv);
  const { url } = (await gw.ask('ready')) as unknown as { url: string };
  try {
    const answer = await post(url);
    if (JSON.stringify(answer) !== JSON.stringify(expected)) {
      throw new Error(`${name} answered differently:\n${JSON.stringify(answer).slice(0, 500)}`);
    }
    const sequentialBefore = (await subgraphs.ask('stats')).calls as number;
    for (let i = 0; i < 5; i++) await post(url);
    const sequential = (((await subgraphs.ask('stats')).calls as number) - sequentialBefore) / 5;
    await run(url, WARMUP);
    const before = (await subgraphs.ask('stats')).calls as number;
    const cpuBefore = (await gw.ask('usage')).cpuMs as number;
    const { result, latencies } = await run(url, DURATION);
    const usage = await gw.ask('usage');
    const after = (await subgraphs.ask('stats')).calls as number;
    const rss = usage.rss as number;
    const cpuMsPerRequest =
      Math.round((((usage.cpuMs as number) - cpuBefore) / Math.max(1, result.requests.total)) * 100) / 100;
    latencies.sort((a, b) => a - b);
    const figures: Figures = {
      opsPerSec: result.requests.average,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      rssMB: Math.round((rss / 1024 / 1024) * 10) / 10,
      cpuMsPerRequest,
      subgraphCallsPerRequest: sequential,
      subgraphCallsPerRequestUnderLoad:
        Math.round(((after - before) / Math.max(1, result.requests.total)) * 100) / 100,
      errors: result.errors + result.non2xx + result.timeouts,
    };
    process.stderr.write(`round ${round} ${name}: ${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    await stop(gw);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const subgraphs = start('subgraphs-process.ts', []);
const ready = (await subgraphs.ask('ready')) as unknown as {
  subgraphs: { name: string; url: string; sdl: string }[];
};
const supergraphPath = join(mkdtempSync(join(tmpdir(), 'federation-bench-')), 'supergraph.graphql');
writeFileSync(supergraphPath, composeSupergraph(ready.subgraphs));

try {
  // The reference answer: vanilla's, checked once against a direct reading of the fixture data.
  const probe = start('vanilla-gateway-process.ts', [supergraphPath]);
  const { url } = (await probe.ask('ready')) as unknown as { url: string };
  const expected = await post(url);
  await stop(probe);
  const data = (expected as { data?: { topProducts?: unknown[] } }).data;
  if (data?.topProducts?.length !== 5 || (expected as { errors?: unknown }).errors) {
    throw new Error(`unexpected reference answer: ${JSON.stringify(expected).slice(0, 300)}`);
  }

  const names = ['vanilla', 'ours', 'ours-nodedup'] as const;
  const rounds: Record<(typeof names)[number], Figures[]> = { vanilla: [], ours: [], 'ours-nodedup': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : ([...names].reverse() as unknown as typeof names);
    for (const name of order)
      rounds[name].push(await measure(name, supergraphPath, subgraphs, expected, r + 1));
  }
  const summary = Object.fromEntries(
    names.map((n) => {
      const rs = rounds[n];
      const pick = (k: keyof Figures) => median(rs.map((f) => f[k]));
      const ops = rs.map((f) => f.opsPerSec);
      return [
        n,
        {
          opsPerSec: Math.round(pick('opsPerSec')),
          spread: `${Math.round(Math.min(...ops))}–${Math.round(Math.max(...ops))}`,
          p50Ms: pick('p50Ms'),
          p95Ms: pick('p95Ms'),
          p99Ms: pick('p99Ms'),
          rssMB: pick('rssMB'),
          cpuMsPerRequest: pick('cpuMsPerRequest'),
          subgraphCallsPerRequest: pick('subgraphCallsPerRequest'),
          subgraphCallsPerRequestUnderLoad: pick('subgraphCallsPerRequestUnderLoad'),
          errors: rs.reduce((s, f) => s + f.errors, 0),
        },
      ];
    }),
  ) as Record<(typeof names)[number], Figures & { spread: string }>;

  const v = summary.vanilla;
  const o = summary.ours;
  const nd = summary['ours-nodedup'];
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const row = (label: string, f: Figures & { spread: string }) =>
    `| ${label} | ${f.opsPerSec} (${f.spread}) | ${f.p50Ms.toFixed(1)} | ${f.p95Ms.toFixed(1)} | ${f.p99Ms.toFixed(1)} | ${f.rssMB} | ${f.cpuMsPerRequest} | ${f.subgraphCallsPerRequest} / ${f.subgraphCallsPerRequestUnderLoad} | ${f.errors} |`;
  console.log(
    [
      '',
      `Federation benchmark: ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, ${ROUNDS} rounds (median; spread of req/s)`,
      '',
      '| gateway | req/s | p50 ms | p95 ms | p99 ms | RSS MB | CPU ms/req | subgraph calls/req (alone / under load) | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      row('vanilla @apollo/gateway (defaults)', v),
      row('ours (caching off)', o),
      row('ours (caching off, dedup off)', nd),
      '',
      `ratios ours/vanilla: req/s ×${ratio(o.opsPerSec, v.opsPerSec)}, CPU/req ×${ratio(o.cpuMsPerRequest, v.cpuMsPerRequest)} (dedup off ×${ratio(nd.cpuMsPerRequest, v.cpuMsPerRequest)}), p99 ×${ratio(o.p99Ms, v.p99Ms)}, RSS ×${ratio(o.rssMB, v.rssMB)}; dedup off: req/s ×${ratio(nd.opsPerSec, v.opsPerSec)}`,
      'answers: equal (checked before each run)',
    ].join('\n'),
  );
  console.log(
    `BENCH ${JSON.stringify({
      name: 'federation-gateway',
      metrics: {
        opsPerSec: o.opsPerSec,
        p50Ms: o.p50Ms,
        p95Ms: o.p95Ms,
        p99Ms: o.p99Ms,
        rssMB: o.rssMB,
        cpuMsPerRequest: o.cpuMsPerRequest,
        baselineCpuMsPerRequest: v.cpuMsPerRequest,
        noDedupCpuMsPerRequest: nd.cpuMsPerRequest,
        subgraphCallsPerRequest: o.subgraphCallsPerRequest,
        subgraphCallsPerRequestUnderLoad: o.subgraphCallsPerRequestUnderLoad,
        baselineOpsPerSec: v.opsPerSec,
        baselineP99Ms: v.p99Ms,
        baselineSubgraphCallsPerRequest: v.subgraphCallsPerRequest,
        baselineSubgraphCallsPerRequestUnderLoad: v.subgraphCallsPerRequestUnderLoad,
        noDedupOpsPerSec: nd.opsPerSec,
        errors: o.errors + v.errors + nd.errors,
      },
      ratios: {
        opsPerSec: ratio(o.opsPerSec, v.opsPerSec),
        p50Ms: ratio(o.p50Ms, v.p50Ms),
        p95Ms: ratio(o.p95Ms, v.p95Ms),
        p99Ms: ratio(o.p99Ms, v.p99Ms),
        rssMB: ratio(o.rssMB, v.rssMB),
        cpuMsPerRequest: ratio(o.cpuMsPerRequest, v.cpuMsPerRequest),
        noDedupCpuMsPerRequest: ratio(nd.cpuMsPerRequest, v.cpuMsPerRequest),
        subgraphCallsPerRequestUnderLoad: ratio(
          o.subgraphCallsPerRequestUnderLoad,
          v.subgraphCallsPerRequestUnderLoad,
        ),
        noDedupOpsPerSec: ratio(nd.opsPerSec, v.opsPerSec),
      },
      baseline:
        'vanilla @apollo/gateway 2.14.4 in @apollo/server 5.5.1 standalone, default settings, same run',
    })}`,
  );
} finally {
  await stop(subgraphs);
}
