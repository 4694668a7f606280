import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './own-redis-server.js';

const exec = promisify(execFile);

/** Three redis-server masters on free ports joined into a Redis Cluster, owned by one test file. */
export class OwnRedisCluster {
  readonly ports: number[];
  readonly #procs: ChildProcess[] = [];
  readonly #dir: string;

  private constructor(ports: number[], dir: string) {
    this.ports = ports;
    this.#dir = dir;
  }

  static async start(): Promise<OwnRedisCluster> {
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: keep both free and distinct.
      if (port < 55_000 && !ports.includes(port)) ports.push(port);
    }
    const cluster = new OwnRedisCluster(ports, mkdtempSync(join(tmpdir(), 'igcache-cluster-')));
    await cluster.#boot();
    return cluster;
  }

  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  async #boot(): Promise<void> {
    for (const port of this.ports) {
      this.#procs.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--dir',
            this.#dir,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of this.ports) await waitForPing(port);
    await exec('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 20_000;
    for (const port of this.ports) {
      const probe = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      try {
        for (;;) {
          const info = await probe.cluster('INFO');
          if (/cluster_state:ok/.test(info)) break;
          if (Date.now() > deadline) throw new Error(`cluster not ok on ${port}: ${info}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        probe.disconnect();
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#procs.map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null) return resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}
