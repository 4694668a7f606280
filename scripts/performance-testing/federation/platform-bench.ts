/**
 * Platform benchmark: our gateway over our subgraphs, one process each, on real PostgreSQL shards (two per
 * subgraph, each with its streaming replica), 50 connections, a query joining accounts and
 * entities. Target: p95 < 50 ms and no errors. The platform runs in a child process; the load
 * generator here.
 *   tsx federation/platform-bench.ts [--duration=10] [--connections=50]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
});
const QUERY =
  '{ me { name entityCount } entities(first: 10) { edges { node { name createdBy { name } } } } }';
const child = fork(join(import.meta.dirname, 'platform-process.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
type Ready = { url: string; token: string; pids: Record<string, number> };
const { url, token, pids } = await new Promise<Ready>((resolve, reject) => {
  child.once('message', (m: Ready) => resolve(m));
  child.once('exit', (code) => reject(new Error(`platform exited ${code}`)));
});
try {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const body = JSON.stringify({ query: QUERY });
  const answer = (await (await fetch(url, { method: 'POST', headers, body })).json()) as {
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
  await run(2);
  const cpuBefore = cpuTimes(pids);
  const { result, latencies } = await run(Number(values.duration));
  const cpuAfter = cpuTimes(pids);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) /
    10;
  const m = {
    opsPerSec: Math.round(result.requests.average),
    p50Ms: pct(50),
    p95Ms: pct(95),
    p99Ms: pct(99),
    errors: result.errors + result.non2xx + result.timeouts,
  };
  // CPU each service spent per request (user + system), which stays meaningful on a busy machine
  // where req/s and latency do not.
  const cpuPerRequest = Object.fromEntries(
    Object.keys(cpuAfter).map((name) => [
      name,
      Math.round(((cpuAfter[name]! - (cpuBefore[name] ?? 0)) / result.requests.total) * 1000) / 1000,
    ]),
  );
  console.log(
    [
      '',
      `Platform benchmark: gateway + accounts/entities/investigations on real PostgreSQL shards with replicas, ${values.connections} connections, ${values.duration} s`,
      '',
      '| req/s | p50 ms | p95 ms | p99 ms | errors | target |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${m.opsPerSec} | ${m.p50Ms} | ${m.p95Ms} | ${m.p99Ms} | ${m.errors} | p95 < 50 ms: ${m.p95Ms < 50 && m.errors === 0 ? 'met' : 'NOT met'} |`,
      '',
      `CPU ms per request: ${Object.entries(cpuPerRequest)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ')}`,
    ].join('\n'),
  );
  console.log(
    `BENCH ${JSON.stringify({ name: 'platform-gateway', metrics: { ...m, cpuMsPerRequest: cpuPerRequest }, ratios: { p95MsOfTarget: Math.round((m.p95Ms / 50) * 100) / 100 }, baseline: 'target p95 50 ms' })}`,
  );
} finally {
  child.send({ type: 'stop' });
  await new Promise((r) => child.once('exit', r));
}

/** CPU time (ms, user + system) of each service process so far, from /proc (Linux); {} elsewhere. */
function cpuTimes(processes: Record<string, number>): Record<string, number> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
    } catch {
      // not Linux, or the process is gone
    }
  }
  return out;
}
