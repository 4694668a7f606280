/**
 * Child process of platform-bench.ts: the platform as it is deployed, one process per service —
 * each subgraph (`subgraphs/<name>/src/main.ts`) on its own two real PostgreSQL shards with
 * streaming replicas, and our gateway (`gateway/src/main.ts`) composing them — then seeds a
 * tenant, a user and entities through the gateway. Answers `stop` by stopping them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serviceUrls } from '@intelgraph/test-support';
import { SignJWT } from 'jose';
import { createRealShards, type RealShards } from '../../../packages/subgraph-runtime/src/testing/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const identitySecret = randomBytes(32).toString('hex');
const jwtSecret = randomBytes(32).toString('hex');
const children: ChildProcess[] = [];
const shards: RealShards[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never became ready`);
}

const pids: Record<string, number> = {};

function run(entry: string, env: Record<string, string>): void {
  // BENCH_CPU_PROF_DIR=/tmp/prof writes a V8 CPU profile of each service when it stops.
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...profile, ...flags, '--conditions=development', '--import', 'tsx', join(root, entry)],
    {
      env: { ...process.env, ...env, IDENTITY_SECRET: identitySecret, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  // A service that dies while the benchmark runs ends the run with its name, instead of leaving
  // the load generator measuring connection errors (or waiting on a half-dead platform).
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[platform] ${entry} exited (${signal ?? code}) while the benchmark was running`);
    void stopAll().then(() => process.exit(1));
  });
  if (child.pid !== undefined)
    pids[entry.startsWith('gateway') ? 'gateway' : (entry.split('/')[1] ?? entry)] = child.pid;
}

let stopping = false;

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  for (const s of shards) await s.drop();
}

/** PLATFORM_CACHING=off|entity|response: the gateway's caches, Redis (the real one) as their L2. */
function cachingEnv(caching: string): Record<string, string> {
  if (caching === 'off') return {};
  const shared = {
    REDIS_URL: serviceUrls().redis,
    CACHE_PREFIX: `ig:bench:${randomBytes(4).toString('hex')}`,
  };
  if (caching === 'entity') return { ...shared, CACHE_ENTITIES: 'true' };
  if (caching === 'response') return { ...shared, CACHE_ENTITIES: 'true', CACHE_RESPONSES: 'true' };
  throw new Error(`PLATFORM_CACHING: "${caching}" is not off, entity or response`);
}

const progress = (what: string) => {
  if (process.env.BENCH_VERBOSE) console.error(`[platform] ${what}`);
};

const token = (sub: string) =>
  new SignJWT({ tenant: 'bench', scope: 'read write admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(jwtSecret));

try {
  const subgraphs: string[] = [];
  for (const name of ['accounts', 'entities', 'investigations']) {
    const real = await createRealShards(`bench${name}`, 2);
    shards.push(real);
    const port = await freePort();
    run(`subgraphs/${name}/src/main.ts`, {
      PORT: String(port),
      DATABASE_SHARDS: JSON.stringify(real.shards),
    });
    subgraphs.push(`${name}=http://127.0.0.1:${port}/graphql`);
  }
  for (const s of subgraphs) await waitReady(s.slice(s.indexOf('=') + 1).replace('/graphql', '/ready'));
  progress('subgraphs ready');
  const gatewayPort = await freePort();
  run('gateway/src/main.ts', {
    PORT: String(gatewayPort),
    SUBGRAPHS: subgraphs.join(','),
    JWT_SECRET: jwtSecret,
    GRAPHIQL: 'false',
    ...cachingEnv(process.env.PLATFORM_CACHING ?? 'off'),
  });
  const origin = `http://127.0.0.1:${gatewayPort}`;
  await waitReady(`${origin}/ready`);
  progress('gateway ready; seeding');
  const url = `${origin}/graphql`;
  const call = async (query: string, bearer: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, { id: string }>; errors?: unknown[] };
  };
  const bootstrap = await token('bench:bootstrap');
  await call('mutation { createTenant(input: { name: "Bench Corp" }) { id } }', bootstrap);
  const user = await call(
    'mutation { createUser(input: { email: "b@bench.test", name: "Bea", role: ADMIN }) { id } }',
    bootstrap,
  );
  const bearer = await token(user.data?.createUser?.id ?? 'bench:x');
  for (let i = 0; i < 20; i++) {
    const r = await call(
      `mutation { createEntity(input: { kind: PERSON, name: "Person ${i}" }) { id } }`,
      bearer,
    );
    if (r.errors) throw new Error(`seeding failed: ${JSON.stringify(r.errors)}`);
  }
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') void stopAll().then(() => process.exit(0));
  });
  progress(`seeded; serving at ${url} for Bearer ${bearer}`);
  process.send?.({ type: 'ready', url, token: bearer, pids });
} catch (error) {
  console.error(error);
  await stopAll();
  process.exit(1);
}
