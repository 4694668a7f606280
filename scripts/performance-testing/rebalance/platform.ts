import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase, waitForReplica } from '@intelgraph/test-support';
import { freePort, waitForHttpOk } from '../chaos/free-port.js';
import { mintHs256Jwt } from '../local-runner/jwt.js';

/**
 * The platform as deployed, on loopback, for the add-a-shard test: four shard databases (three
 * in `DATABASE_SHARDS`, the fourth added later with the CLI) with their streaming replicas, a
 * shard map database, the three subgraphs and the gateway as separate processes, and a second
 * accounts instance started with nothing but `SHARD_MAP_URL` (it learns every shard from the map).
 */
export interface RebalancePlatform {
  readonly url: string;
  readonly shards: readonly TestDatabase[];
  readonly map: TestDatabase;
  /** The second accounts instance (development identity: `x-dev-tenant`). */
  readonly followerUrl: string;
  /** Bearer header for `tenant` (admin, write, read). */
  auth(tenant: string): Record<string, string>;
  /** Runs the built `intelgraph-shards` bin; its exit code and parsed `--json` output. */
  shards_cli(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }>;
  stop(): Promise<void>;
}

interface Service {
  readonly name: string;
  readonly port: number;
  child: ChildProcess;
}

export async function startRebalancePlatform(options: {
  root: string;
  logDir: string;
}): Promise<RebalancePlatform> {
  const { root, logDir } = options;
  const shards: TestDatabase[] = [];
  for (let i = 0; i < 4; i++) shards.push(await createTestDatabase(`ig_e2e_s${i}`));
  const map = await createTestDatabase('ig_e2e_map');
  await waitForReplica();
  const identitySecret = 'e2e-identity-secret-0123456789abcdef0123';
  const jwtSecret = 'e2e-jwt-secret-0123456789abcdef0123456789';
  const databaseShards = JSON.stringify(
    shards.slice(0, 3).map((db, i) => ({ id: `s${i}`, primary: db.url, replicas: [db.replicaUrl] })),
  );
  const services: Service[] = [];
  const start = async (name: string, entry: string[], env: NodeJS.ProcessEnv): Promise<Service> => {
    const port = await freePort();
    const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, entry, {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const service = { name, port, child };
    services.push(service);
    const died = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(
          new Error(
            `${name} exited (${code}):\n${readFileSync(path.join(logDir, `${name}.log`), 'utf8').slice(-2000)}`,
          ),
        ),
      ),
    );
    died.catch(() => {});
    await Promise.race([waitForHttpOk(`http://127.0.0.1:${port}/ready`, 120_000), died]);
    return service;
  };
  const subgraph = (name: string) => [
    '--conditions=development',
    '--import',
    'tsx',
    path.join('subgraphs', name, 'src', 'main.ts'),
  ];
  const common = { SHARD_MAP_URL: map.url, KAFKA_BROKERS: '', AMQP_URL: '', REDIS_URL: '' };
  const stop = async (): Promise<void> => {
    for (const s of [...services].reverse()) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
      s.child.kill('SIGTERM');
      const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const db of [...shards, map]) await db.drop().catch(() => {});
  };
  try {
    // The first service initialises the stored map from DATABASE_SHARDS; the others must agree.
    const accounts = await start('accounts', subgraph('accounts'), {
      ...common,
      DATABASE_SHARDS: databaseShards,
      IDENTITY_SECRET: identitySecret,
    });
    const entities = await start('entities', subgraph('entities'), {
      ...common,
      DATABASE_SHARDS: databaseShards,
      IDENTITY_SECRET: identitySecret,
    });
    const investigations = await start('investigations', subgraph('investigations'), {
      ...common,
      DATABASE_SHARDS: databaseShards,
      IDENTITY_SECRET: identitySecret,
    });
    const follower = await start('accounts-follower', subgraph('accounts'), {
      ...common,
      DEV_IDENTITY: 'true',
      IDENTITY_SECRET: '',
    });
    const { NODE_OPTIONS: _, ...gatewayEnv } = process.env;
    const gatewayPort = await freePort();
    const log = createWriteStream(path.join(logDir, 'gateway.log'), { flags: 'a' });
    const gateway = spawn(process.execPath, [path.join('gateway', 'bin', 'intelgraph-gateway.js')], {
      cwd: root,
      env: {
        ...gatewayEnv,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SUBGRAPHS: [accounts, entities, investigations]
          .map((s) => `${s.name}=http://127.0.0.1:${s.port}/graphql`)
          .join(','),
        JWT_SECRET: jwtSecret,
        IDENTITY_SECRET: identitySecret,
        SUBGRAPH_TIMEOUT_MS: '5000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout?.pipe(log);
    gateway.stderr?.pipe(log);
    services.push({ name: 'gateway', port: gatewayPort, child: gateway });
    await waitForHttpOk(`http://127.0.0.1:${gatewayPort}/ready`, 120_000);
    const bin = path.join(root, 'packages', 'database-sharding', 'bin', 'intelgraph-shards.js');
    return {
      url: `http://127.0.0.1:${gatewayPort}/graphql`,
      shards,
      map,
      followerUrl: `http://127.0.0.1:${follower.port}/graphql`,
      auth: (tenant) => ({
        authorization: `Bearer ${mintHs256Jwt({ sub: `${tenant}-operator`, tenant, scope: 'read write admin' }, jwtSecret)}`,
      }),
      async shards_cli(...args) {
        const result = await promisify(execFile)(process.execPath, [bin, ...args, '--json'], {
          cwd: root,
          env: { ...gatewayEnv, SHARD_MAP_URL: map.url },
          maxBuffer: 64 << 20,
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
        return {
          code: result.code,
          json: result.stdout ? JSON.parse(result.stdout) : {},
          stderr: result.stderr,
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
