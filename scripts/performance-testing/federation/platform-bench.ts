/**
 * Platform benchmark: our gateway over our subgraphs, one process each, on real PostgreSQL shards (two per
 * subgraph, each with its streaming replica), 50 connections, a query joining accounts and
 * entities. Target: p95 < 50 ms and no errors, with the gateway's caches off (every request
 * reaches the subgraphs and PostgreSQL). Then the same with the entity cache on, and with the
 * response cache on (Redis as their L2), for comparison. The platform runs in a child process;
 * the load generator here.
 *   tsx federation/platform-bench.ts [--duration=10] [--connections=50] [--caching=off,entity,response]
 * BENCH_CPU_PROF_DIR=DIR writes a CPU profile of every service; BENCH_NODE_FLAGS passes flags to them.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    caching: { type: 'string', default: 'off,entity,response' },
  },
});
const QUERY =
  '{ me { name entityCount } entities(first: 10) { edges { node { name createdBy { name } } } } }';
const CACHING = ['off', 'entity', 'response'] as const;
type Caching = (typeof CACHING)[number];
const scenarios = values.caching.split(',').map((c) => {
  if (!(CACHING as readonly string[]).includes(c))
    throw new Error(`--caching: "${c}" is not one of ${CACHING.join(', ')}`);
  return c as Caching;
});

interface Figures {
  opsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: Record<string, number>;
}

async function measure(caching: Caching): Promise<Figures> {
  const child = fork(join(import.meta.dirname, 'platform-process.ts'), [], {
    execArgv: ['--conditions=development', '--import', 'tsx'],
    env: { ...process.env, PLATFORM_CACHING: caching },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  type Ready = { url: string; token: string; pids: Record<string, number> };
  const { url, token, pids } = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m: Ready) => resolve(m));
    child.once('exit', (code) => reject(new Error(`platform exited ${code}`)));
  });
  // The platform process exits on its own only when a service died: fail the run, don't hang.
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the platform stopped during the run (exit ${code})`))),
  );
  died.catch(() => {});
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: QUERY });
    const answer = (await (
      await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
    ).json()) as {
      data?: { entities: { edges: unknown[] } };
      errors?: unknown;
    };
    if (answer.errors || answer.data?.entities.edges.length !== 10)
      throw new Error(`bad answer ${JSON.stringify(answer)}`);
    const run = (seconds: number) =>
      new Promise<{ result: autocannon.Result; latencies: number[] }>((resolve, reject) => {
        const latencies: number[] = [];
        const instance = autocannon(
          { url, method: 'POST', headers, body, connections: Number(values.connections), duration: seconds },
          (err, result) => (err ? reject(err) : resolve({ result, latencies })),
        );
        instance.on('response', (_c: unknown, _s: number, _b: number, t: number) => latencies.push(t));
      });
    await Promise.race([run(2), died]);
    const cpuBefore = { ...cpuTimes(pids), postgres: cpuOfPostgres(), 'load generator': cpuOfThisProcess() };
    const { result, latencies } = await Promise.race([run(Number(values.duration)), died]);
    const cpuAfter = { ...cpuTimes(pids), postgres: cpuOfPostgres(), 'load generator': cpuOfThisProcess() };
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) /
      10;
    // CPU each process spent per request (user + system): meaningful on a busy machine, where
    // req/s and latency are not.
    const cpuMsPerRequest = Object.fromEntries(
      Object.keys(cpuAfter).map((name) => [
        name,
        Math.round(
          ((cpuAfter[name as keyof typeof cpuAfter]! - (cpuBefore[name as keyof typeof cpuBefore] ?? 0)) /
            result.requests.total) *
            1000,
        ) / 1000,
      ]),
    );
    return {
      opsPerSec: Math.round(result.requests.average),
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      errors: result.errors + result.non2xx + result.timeouts,
      cpuMsPerRequest,
    };
  } finally {
    if (child.exitCode === null) {
      child.send({ type: 'stop' });
      await new Promise((r) => child.once('exit', r));
    }
  }
}

const results = new Map<Caching, Figures>();
for (const caching of scenarios) results.set(caching, await measure(caching));

const met = (f: Figures) => (f.p95Ms < 50 && f.errors === 0 ? 'met' : 'NOT met');
const lines = [
  '',
  `Platform benchmark: gateway + accounts/entities/investigations on real PostgreSQL shards with replicas, ${values.connections} connections, ${values.duration} s each`,
  '',
  '| gateway caches | req/s | p50 ms | p95 ms | p99 ms | errors | p95 < 50 ms | CPU ms per request |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const [caching, f] of results) {
  const cpu = Object.entries(f.cpuMsPerRequest)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
  lines.push(
    `| ${caching} | ${f.opsPerSec} | ${f.p50Ms} | ${f.p95Ms} | ${f.p99Ms} | ${f.errors} | ${met(f)} | ${cpu} |`,
  );
}
console.log(lines.join('\n'));
const off = results.get('off') ?? [...results.values()][0]!;
const metrics: Record<string, number> = {
  opsPerSec: off.opsPerSec,
  p50Ms: off.p50Ms,
  p95Ms: off.p95Ms,
  p99Ms: off.p99Ms,
  errors: off.errors,
  gatewayCpuMsPerRequest: off.cpuMsPerRequest.gateway ?? 0,
};
for (const [caching, f] of results) {
  if (caching === 'off') continue;
  metrics[`${caching}CacheOpsPerSec`] = f.opsPerSec;
  metrics[`${caching}CacheP95Ms`] = f.p95Ms;
}
console.log(
  `BENCH ${JSON.stringify({
    name: 'platform-gateway',
    metrics,
    ratios: { p95MsOfTarget: Math.round((off.p95Ms / 50) * 100) / 100 },
    baseline: 'target p95 50 ms (first scenario run, caches off by default)',
  })}`,
);

/** CPU time (ms) of every `postgres` process on this host (all clusters; others' queries included). */
function cpuOfPostgres(): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.includes('(postgres)')) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        // gone
      }
    }
  } catch {
    // not Linux
  }
  return total;
}

function cpuOfThisProcess(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU time (ms, user + system) of each service process so far, from /proc (Linux); {} elsewhere. */
function cpuTimes(processes: Record<string, number>): Record<string, number> {
  const msPerTick = 1000 / 100; // USER_HZ is 100 on Linux
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (Number(fields[11]) + Number(fields[12])) * msPerTick;
    } catch {
      // not Linux, or the process is gone
    }
  }
  return out;
}
