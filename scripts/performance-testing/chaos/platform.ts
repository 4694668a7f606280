import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type FaultProxy, serviceUrls, startFaultProxy, withDatabase } from '@intelgraph/test-support';
import pg from 'pg';
import { freePort, waitForHttpOk } from './free-port.js';

/**
 * The platform as the chaos runs need it: every subgraph found under subgraphs/ and the gateway,
 * started as real processes on free loopback ports, with every dependency reached through a
 * fault-injecting TCP proxy so a fault can be applied to one path without touching the shared
 * services other people's tests use:
 *
 *   gateway → proxy(subgraph) → subgraph → proxy(pg primary) / proxy(pg replica) / proxy(redis) / proxy(amqp)
 *                                          └→ Kafka (direct)
 */
export interface ChaosPlatform {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** HS256 secret the gateway verifies tokens with (the load runner mints with it). */
  readonly jwtSecret: string;
  readonly proxies: {
    readonly pgPrimary: FaultProxy;
    readonly pgReplica: FaultProxy;
    readonly redis: FaultProxy;
    readonly amqp: FaultProxy;
    readonly subgraphs: ReadonlyMap<string, FaultProxy>;
  };
  readonly subgraphs: readonly string[];
  /** The subgraphs' throwaway databases (on the real primary), one per subgraph. */
  readonly databases: readonly string[];
  /** SIGKILLs a subgraph (a crashed pod). */
  kill(subgraph: string): void;
  /** Starts a killed subgraph again and waits until it is ready (a restarted pod). */
  restart(subgraph: string): Promise<void>;
  stop(): Promise<void>;
}

interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  readonly args: string[];
  child: ChildProcess | undefined;
}

function withoutDevelopmentCondition(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = (env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((o) => o !== '' && o !== '--conditions=development' && o !== '-C=development')
    .join(' ');
  const { NODE_OPTIONS: _, ...rest } = env;
  return options ? { ...rest, NODE_OPTIONS: options } : rest;
}

function spawnService(root: string, logDir: string, s: ServiceProcess): void {
  const log = createWriteStream(path.join(logDir, `${s.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, s.args, { cwd: root, env: s.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  s.child = child;
}

async function stopService(s: ServiceProcess): Promise<void> {
  const child = s.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Subgraphs that can run: `subgraphs/<name>/src/main.ts` with its dependencies installed
 * (a subgraph still being written may have neither). `only` (CHAOS_SUBGRAPHS) picks some.
 */
export function discoverSubgraphs(root: string, only?: readonly string[]): string[] {
  const dir = path.join(root, 'subgraphs');
  const found = readdirSync(dir)
    .filter(
      (name) =>
        !name.startsWith('_') &&
        existsSync(path.join(dir, name, 'src', 'main.ts')) &&
        existsSync(path.join(dir, name, 'node_modules')),
    )
    .sort();
  if (!only || only.length === 0) return found;
  for (const name of only)
    if (!found.includes(name)) throw new Error(`subgraph '${name}' is not runnable here`);
  return found.filter((n) => only.includes(n));
}

/** Waits for a service's /ready, failing at once (with its log's tail) if its process exits. */
async function waitForService(s: ServiceProcess, logDir: string): Promise<void> {
  const child = s.child!;
  let exited: (() => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    exited = () => {
      const log = readFileSync(path.join(logDir, `${s.name}.log`), 'utf8')
        .trim()
        .split('\n')
        .slice(-8)
        .join('\n');
      reject(
        new Error(`${s.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log}`),
      );
    };
    child.once('exit', exited);
  });
  try {
    await Promise.race([waitForHttpOk(`http://127.0.0.1:${s.port}/ready`, 90_000), died]);
  } finally {
    if (exited) child.off('exit', exited);
    died.catch(() => {});
  }
}

export async function startChaosPlatform(options: {
  root: string;
  logDir: string;
  subgraphs?: readonly string[];
}): Promise<ChaosPlatform> {
  const urls = serviceUrls();
  const subgraphNames = discoverSubgraphs(options.root, options.subgraphs);
  if (subgraphNames.length === 0) throw new Error('no subgraph with src/main.ts under subgraphs/');
  const port = (u: string) => Number(new URL(u).port);
  const pgPrimary = await startFaultProxy({ target: port(urls.postgres) });
  const pgReplica = await startFaultProxy({ target: port(urls.postgresReplica) });
  const redis = await startFaultProxy({ target: port(urls.redis) });
  const amqp = await startFaultProxy({ target: port(urls.amqp) });
  const run = randomBytes(3).toString('hex');
  const identitySecret = randomBytes(32).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  const admin = new pg.Client({ connectionString: urls.postgres });
  await admin.connect();
  const databases: string[] = [];
  const services: ServiceProcess[] = [];
  const subgraphProxies = new Map<string, FaultProxy>();
  const stopAll = async () => {
    for (const s of [...services].reverse()) await stopService(s);
    for (const p of [pgPrimary, pgReplica, redis, amqp, ...subgraphProxies.values()]) await p.stop();
    for (const db of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
  try {
    for (const name of subgraphNames) {
      // One database per subgraph (their migrations are their own), all on the proxied primary.
      const db = `chaos_${run}_${name.replace(/[^a-z0-9]/g, '_')}`;
      await admin.query(`CREATE DATABASE ${db}`);
      databases.push(db);
      const shards = [
        {
          id: 's1',
          primary: pgPrimary.url(withDatabase(urls.postgres, db)),
          replicas: [pgReplica.url(withDatabase(urls.postgresReplica, db))],
        },
      ];
      const p = await freePort();
      const s: ServiceProcess = {
        name,
        port: p,
        args: ['--conditions=development', '--import', 'tsx', path.join('subgraphs', name, 'src', 'main.ts')],
        env: {
          ...process.env,
          PORT: String(p),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          DATABASE_SHARDS: JSON.stringify(shards),
          REDIS_URL: redis.url(urls.redis),
          AMQP_URL: amqp.url(urls.amqp),
          // Events go to both transports, as in production (FanOutTransport): the chaos report
          // accounts for each (event-audit.ts). Kafka is reached directly, not through a proxy.
          KAFKA_BROKERS: urls.kafkaBrokers.join(','),
          IDENTITY_SECRET: identitySecret,
        },
        child: undefined,
      };
      services.push(s);
      spawnService(options.root, options.logDir, s);
      subgraphProxies.set(name, await startFaultProxy({ target: p }));
    }
    // The replica must have the new databases before the subgraphs read from it.
    for (const s of services) await waitForService(s, options.logDir);
    const gatewayPort = await freePort();
    const gateway: ServiceProcess = {
      name: 'gateway',
      port: gatewayPort,
      args: [path.join('gateway', 'bin', 'intelgraph-gateway.js')],
      env: {
        // The bin runs the build (dist/); under Vitest NODE_OPTIONS carries
        // --conditions=development, which would resolve the workspace packages to their
        // TypeScript sources, which plain node cannot load.
        ...withoutDevelopmentCondition(process.env),
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SUBGRAPHS: subgraphNames
          .map((n) => `${n}=http://127.0.0.1:${subgraphProxies.get(n)!.port}/graphql`)
          .join(','),
        JWT_SECRET: jwtSecret,
        IDENTITY_SECRET: identitySecret,
        SUBGRAPH_TIMEOUT_MS: '2000',
        REDIS_URL: redis.url(urls.redis),
      },
      child: undefined,
    };
    services.push(gateway);
    spawnService(options.root, options.logDir, gateway);
    await waitForService(gateway, options.logDir);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const byName = (name: string) => {
    const s = services.find((x) => x.name === name);
    if (!s) throw new Error(`no service ${name}`);
    return s;
  };
  const gatewayPort = byName('gateway').port;
  return {
    url: `http://127.0.0.1:${gatewayPort}/graphql`,
    jwtSecret,
    proxies: { pgPrimary, pgReplica, redis, amqp, subgraphs: subgraphProxies },
    subgraphs: subgraphNames,
    databases,
    kill: (name) => byName(name).child?.kill('SIGKILL'),
    restart: async (name) => {
      const s = byName(name);
      await stopService(s);
      spawnService(options.root, options.logDir, s);
      await waitForService(s, options.logDir);
    },
    stop: stopAll,
  };
}
