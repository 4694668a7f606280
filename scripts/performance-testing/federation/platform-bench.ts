/**
 * Platform benchmark: our gateway over our subgraphs, one process each, on real PostgreSQL shards (two per
 * subgraph, each with its streaming replica), 50 connections, a query joining accounts and
 * entities. Target: p95 < 50 ms and no errors. The platform runs in a child process; the load
 * generator here.
 *   tsx federation/platform-bench.ts [--duration=10] [--connections=50]
 */
import { fork } from 'node:child_process';
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
const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
  child.once('message', (m: { url: string; token: string }) => resolve(m));
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
  const { result, latencies } = await run(Number(values.duration));
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
  console.log(
    [
      '',
      `Platform benchmark: gateway + accounts/entities/investigations on real PostgreSQL shards with replicas, ${values.connections} connections, ${values.duration} s`,
      '',
      '| req/s | p50 ms | p95 ms | p99 ms | errors | target |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${m.opsPerSec} | ${m.p50Ms} | ${m.p95Ms} | ${m.p99Ms} | ${m.errors} | p95 < 50 ms: ${m.p95Ms < 50 && m.errors === 0 ? 'met' : 'NOT met'} |`,
    ].join('\n'),
  );
  console.log(
    `BENCH ${JSON.stringify({ name: 'platform-gateway', metrics: m, ratios: { p95MsOfTarget: Math.round((m.p95Ms / 50) * 100) / 100 }, baseline: 'target p95 50 ms' })}`,
  );
} finally {
  child.send({ type: 'stop' });
  await new Promise((r) => child.once('exit', r));
}
