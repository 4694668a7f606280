/**
 * Gateway caching benchmark: the same run, the same four in-memory subgraphs, the same load for
 *   vanilla @apollo/gateway (defaults) · ours, caching off · ours + entity cache · ours + response cache
 * on two workloads:
 *   - `classic`: the federation benchmark's query (all four subgraphs), always the same;
 *   - `mixed`: varied queries over the same entities — 16 selections (different fields of
 *     products, reviews and authors) × a `first` argument drawn from 5…20,000 (the subgraph returns
 *     the same five products whatever its value), so nearly every request is a new response-cache
 *     key while the entities are always the same.
 * The caches use Redis (TEST_REDIS_URL / REDIS_URL, default redis://127.0.0.1:6379) as their
 * shared L2 with a fresh prefix per gateway start, and CACHE_DEFAULT_MAX_AGE=60 (the classic
 * subgraphs declare no @cacheControl hints). Every gateway's answers (first and cached) are
 * compared to vanilla's before measuring. Rounds alternate the order; medians are reported.
 *
 *   pnpm --filter @intelgraph/performance-testing bench:caching
 *   options: --duration=8 --warmup=2 --rounds=3 --connections=20 --workloads=classic,mixed
 *   --subgraph-delay-ms=0 (each subgraph answers after this delay, like a database round trip)
 * Diagnostics per gateway (from its /metrics): entity-cache hit ratio and `_entities` fetches saved
 * per request. BENCH_CPU_PROF_DIR=DIR writes a CPU profile of every gateway run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    workloads: { type: 'string', default: 'classic,mixed' },
    'subgraph-delay-ms': { type: 'string', default: '0' },
  },
});
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const WORKLOADS = values.workloads.split(',') as ('classic' | 'mixed')[];
const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DELAY_MS = Number(values['subgraph-delay-ms']);

type Gw = 'vanilla' | 'ours' | 'ours+entity-cache' | 'ours+response-cache';
const GATEWAYS: readonly Gw[] = ['vanilla', 'ours', 'ours+entity-cache', 'ours+response-cache'];

function envOf(name: Gw): Record<string, string> {
  // `first` up to 20,000 would exceed our default cost limit (vanilla has none): lift it for all of ours.
  const limits = { MAX_COST: '100000000' };
  if (name === 'ours') return limits;
  const common = {
    ...limits,
    REDIS_URL,
    CACHE_DEFAULT_MAX_AGE: '60',
    CACHE_PREFIX: `ig:bench:${randomUUID()}`,
  };
  if (name === 'ours+entity-cache') return { ...common, CACHE_ENTITIES: 'true' };
  if (name === 'ours+response-cache') return { ...common, CACHE_RESPONSES: 'true' };
  return {}; // vanilla
}

/* The mixed workload: selections × a `first` argument that changes the key, not the entities. */
const PRODUCT_FIELDS = ['name', 'price', 'weight', 'inStock'];
const REVIEW_PARTS = ['body', 'author { id username }', 'author { id name }', 'product { upc name }'];
const MIXED_QUERIES: string[] = [];
for (let p = 0; p < PRODUCT_FIELDS.length; p++)
  for (let r = 0; r < REVIEW_PARTS.length; r++)
    MIXED_QUERIES.push(
      `query Mixed($first: Int) { topProducts(first: $first) { upc ${PRODUCT_FIELDS.slice(0, p + 1).join(' ')} reviews { id ${REVIEW_PARTS[r]} } } }`,
    );
const mixedBody = (i: number, first: number): string =>
  JSON.stringify({ query: MIXED_QUERIES[i % MIXED_QUERIES.length], variables: { first } });
const randomMixedBody = (): string =>
  mixedBody(Math.floor(Math.random() * MIXED_QUERIES.length), 5 + Math.floor(Math.random() * 20_000));
const CLASSIC_BODY = JSON.stringify({ query: CLASSIC_QUERY, operationName: 'TopProducts' });

async function post(url: string, body: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return res.json();
}

function load(url: string, seconds: number, workload: 'classic' | 'mixed'): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections: CONNECTIONS,
        duration: seconds,
        ...(workload === 'classic'
          ? { body: CLASSIC_BODY }
          : { requests: [{ setupRequest: (req: object) => ({ ...req, body: randomMixedBody() }) }] }),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

interface Figures {
  opsPerSec: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  subgraphCallsPerRequest: number;
  /** Diagnostics from our gateway's /metrics (0 for vanilla / caching off). */
  entityHitRatio: number;
  entityFetchesSavedPerRequest: number;
  errors: number;
}

/** Entity-cache counters summed from a gateway's /metrics (zeros when it has none). */
async function entityCounters(url: string): Promise<{ hits: number; misses: number; saved: number }> {
  const sum = (text: string, re: RegExp): number =>
    text
      .split('\n')
      .filter((l) => re.test(l))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  try {
    const res = await fetch(new URL('/metrics', url));
    const text = res.ok ? await res.text() : '';
    return {
      hits: sum(text, /^intelgraph_gateway_cache_lookups_total\{(?=.*cache="entity")(?=.*result="hit")/),
      misses: sum(text, /^intelgraph_gateway_cache_lookups_total\{(?=.*cache="entity")(?=.*result="miss")/),
      saved: sum(text, /^intelgraph_gateway_entity_fetches_saved_total\{/),
    };
  } catch {
    return { hits: 0, misses: 0, saved: 0 };
  }
}

/** The probe bodies whose answers every gateway must match (twice: cold and cached). */
const PROBES = [CLASSIC_BODY, ...MIXED_QUERIES.map((_, i) => mixedBody(i, 5 + i * 7))];

async function measure(
  name: Gw,
  workload: 'classic' | 'mixed',
  supergraphPath: string,
  subgraphs: ReturnType<typeof start>,
  expected: readonly string[],
): Promise<Figures> {
  const script = name === 'vanilla' ? 'vanilla-gateway-process.ts' : 'ours-gateway-process.ts';
  // BENCH_CPU_PROF_DIR=DIR: a CPU profile of each gateway run, in DIR/<workload>-<gateway>/.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const profile = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${workload}-${name}`)}`]
    : [];
  const gw = start(script, [supergraphPath], envOf(name), profile);
  const { url } = (await gw.ask('ready')) as unknown as { url: string };
  try {
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < PROBES.length; i++) {
        const answer = JSON.stringify(await post(url, PROBES[i]!));
        if (answer !== expected[i])
          throw new Error(`${name} answered probe ${i} (pass ${pass}) differently:\n${answer.slice(0, 400)}`);
      }
    await load(url, WARMUP, workload);
    const entityBefore = name === 'vanilla' ? undefined : await entityCounters(url);
    const callsBefore = (await subgraphs.ask('stats')).calls as number;
    const cpuBefore = (await gw.ask('usage')).cpuMs as number;
    const result = await load(url, DURATION, workload);
    const cpuAfter = (await gw.ask('usage')).cpuMs as number;
    const callsAfter = (await subgraphs.ask('stats')).calls as number;
    const entityAfter = name === 'vanilla' ? undefined : await entityCounters(url);
    const n = Math.max(1, result.requests.total);
    const lookups =
      entityBefore && entityAfter
        ? entityAfter.hits + entityAfter.misses - entityBefore.hits - entityBefore.misses
        : 0;
    const figures: Figures = {
      opsPerSec: Math.round(result.requests.average),
      p99Ms: result.latency.p99,
      cpuMsPerRequest: Math.round(((cpuAfter - cpuBefore) / n) * 100) / 100,
      subgraphCallsPerRequest: Math.round(((callsAfter - callsBefore) / n) * 100) / 100,
      entityHitRatio:
        lookups > 0 ? Math.round(((entityAfter!.hits - entityBefore!.hits) / lookups) * 1000) / 1000 : 0,
      entityFetchesSavedPerRequest:
        entityBefore && entityAfter
          ? Math.round(((entityAfter.saved - entityBefore.saved) / n) * 100) / 100
          : 0,
      errors: result.errors + result.non2xx + result.timeouts,
    };
    process.stderr.write(`${workload} ${name}: ${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    await stop(gw);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

const subgraphs = start('caching-subgraphs-process.ts', [], { SUBGRAPH_DELAY_MS: String(DELAY_MS) });
const ready = (await subgraphs.ask('ready')) as unknown as {
  subgraphs: { name: string; url: string; sdl: string }[];
};
const supergraphPath = join(mkdtempSync(join(tmpdir(), 'caching-bench-')), 'supergraph.graphql');
writeFileSync(supergraphPath, composeSupergraph(ready.subgraphs));

try {
  const probe = start('vanilla-gateway-process.ts', [supergraphPath]);
  const { url } = (await probe.ask('ready')) as unknown as { url: string };
  const expected: string[] = [];
  for (const body of PROBES) expected.push(JSON.stringify(await post(url, body)));
  await stop(probe);
  if (expected.some((e) => e.includes('"errors"') || !e.includes('topProducts')))
    throw new Error(`unexpected reference answers: ${expected.join('\n').slice(0, 400)}`);

  const results: Record<string, Record<Gw, Figures>> = {};
  for (const workload of WORKLOADS) {
    const rounds: Record<Gw, Figures[]> = {
      vanilla: [],
      ours: [],
      'ours+entity-cache': [],
      'ours+response-cache': [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? GATEWAYS : [...GATEWAYS].reverse();
      for (const name of order)
        rounds[name].push(await measure(name, workload, supergraphPath, subgraphs, expected));
    }
    results[workload] = Object.fromEntries(
      GATEWAYS.map((g) => {
        const rs = rounds[g];
        const pick = (k: keyof Figures) => median(rs.map((f) => f[k]));
        return [
          g,
          {
            opsPerSec: pick('opsPerSec'),
            p99Ms: pick('p99Ms'),
            cpuMsPerRequest: pick('cpuMsPerRequest'),
            subgraphCallsPerRequest: pick('subgraphCallsPerRequest'),
            entityHitRatio: pick('entityHitRatio'),
            entityFetchesSavedPerRequest: pick('entityFetchesSavedPerRequest'),
            errors: rs.reduce((s, f) => s + f.errors, 0),
          },
        ];
      }),
    ) as Record<Gw, Figures>;
  }

  const lines = [
    '',
    `Gateway caching benchmark: ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, ${ROUNDS} rounds (median), subgraphs answer after ${DELAY_MS} ms`,
  ];
  for (const [workload, figures] of Object.entries(results)) {
    const v = figures.vanilla;
    lines.push(
      '',
      `workload: ${workload}`,
      '',
      '| gateway | req/s | × vanilla | p99 ms | CPU ms/req | × vanilla CPU | subgraph calls/req | entity hit ratio | entity fetches saved/req | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...GATEWAYS.map((g) => {
        const f = figures[g];
        return `| ${g} | ${f.opsPerSec} | ×${ratio(f.opsPerSec, v.opsPerSec)} | ${f.p99Ms} | ${f.cpuMsPerRequest} | ×${ratio(f.cpuMsPerRequest, v.cpuMsPerRequest)} | ${f.subgraphCallsPerRequest} | ${f.entityHitRatio} | ${f.entityFetchesSavedPerRequest} | ${f.errors} |`;
      }),
    );
  }
  lines.push('', 'answers: equal to vanilla, cold and cached (checked before each run)');
  console.log(lines.join('\n'));
  console.log(
    `BENCH ${JSON.stringify({
      name: 'federation-gateway-caching',
      subgraphDelayMs: DELAY_MS,
      metrics: Object.fromEntries(
        Object.entries(results).flatMap(([w, f]) => GATEWAYS.map((g) => [`${w}:${g}`, f[g]])),
      ),
      ratios: Object.fromEntries(
        Object.entries(results).flatMap(([w, f]) =>
          GATEWAYS.filter((g) => g !== 'vanilla').map((g) => [
            `${w}:${g}:opsPerSec`,
            ratio(f[g].opsPerSec, f.vanilla.opsPerSec),
          ]),
        ),
      ),
      baseline:
        'vanilla @apollo/gateway 2.14.4 in @apollo/server 5.5.1 standalone, default settings, same run',
    })}`,
  );
} finally {
  await stop(subgraphs);
}
