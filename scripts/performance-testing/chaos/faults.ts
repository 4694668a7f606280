import { execFileSync } from 'node:child_process';
import type { ChaosPlatform } from './platform.js';

/**
 * One fault of the chaos run: applied (`inject`) during a load run, then removed (`heal`).
 * Default faults act on the platform's own proxies and processes, so the shared services stay
 * up for everyone else on the machine; with CHAOS_REAL=1 the data-service faults act on the
 * real services instead (stop the replica cluster, shut Redis down, restart RabbitMQ).
 */
export interface Fault {
  readonly name: string;
  readonly description: string;
  /** What a healthy platform should do meanwhile. */
  readonly expectation: string;
  inject(platform: ChaosPlatform): Promise<void> | void;
  heal(platform: ChaosPlatform): Promise<void> | void;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'ignore', timeout: 120_000 });

function replicaCluster(): [string, string] {
  const out = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.split(/\s+/)[2] === (process.env.PG_REPLICA_PORT ?? '5433'));
  if (!line) throw new Error('CHAOS_REAL: no PostgreSQL cluster on the replica port');
  const [ver, name] = line.split(/\s+/);
  return [ver!, name!];
}

export function faults(real: boolean): Fault[] {
  const firstSubgraph = (p: ChaosPlatform) => p.subgraphs[0]!;
  return [
    {
      name: 'replica-stopped',
      description: real
        ? 'the streaming replica cluster stopped (pg_ctlcluster stop)'
        : 'the replica refuses connections',
      expectation: 'reads fail over to the primary: no client errors',
      inject: (p) => {
        if (real)
          sh('pg_ctlcluster', ['--skip-systemctl-redirect', ...replicaCluster(), 'stop', '-m', 'fast']);
        else p.proxies.pgReplica.setMode('refuse');
      },
      heal: (p) => {
        if (real) sh('pg_ctlcluster', ['--skip-systemctl-redirect', ...replicaCluster(), 'start']);
        else p.proxies.pgReplica.setMode('pass');
      },
    },
    {
      name: 'primary-blackholed',
      description: 'the shard primary is partitioned away (packets dropped: connections hang)',
      expectation:
        'writes fail fast with a located error (no hang past the timeouts); reads go on from the replica; the subgraphs stay ready (shard reported degraded in /ready); no acknowledged write lost',
      inject: (p) => p.proxies.pgPrimary.setMode('blackhole'),
      heal: (p) => p.proxies.pgPrimary.setMode('pass'),
    },
    {
      name: 'redis-stopped',
      description: real
        ? 'Redis shut down (redis-cli shutdown nosave), then restarted'
        : 'Redis refuses connections',
      expectation: 'the cache degrades to L1 + database: no client errors',
      inject: (p) => {
        if (real) sh('redis-cli', ['-p', process.env.REDIS_PORT ?? '6379', 'shutdown', 'nosave']);
        else p.proxies.redis.setMode('refuse');
      },
      heal: (p) => {
        if (real) sh('bash', ['scripts/dev/services.sh']);
        else p.proxies.redis.setMode('pass');
      },
    },
    {
      name: 'rabbitmq-restarted',
      description: real
        ? 'RabbitMQ application stopped and started (rabbitmqctl stop_app / start_app)'
        : 'every AMQP connection reset and refused for the fault window, then accepted again',
      expectation: 'publishers reconnect; events are delayed, not lost; writes keep succeeding',
      inject: (p) => {
        if (real) sh('rabbitmqctl', ['stop_app']);
        else p.proxies.amqp.setMode('refuse');
      },
      heal: (p) => {
        if (real) sh('rabbitmqctl', ['start_app']);
        else p.proxies.amqp.setMode('pass');
      },
    },
    {
      name: 'subgraph-killed',
      description: 'a subgraph process SIGKILLed, restarted when the fault window ends (a crashed pod)',
      expectation:
        'its fields fail fast (breaker) while it is down; other fields keep working; recovers after restart',
      inject: (p) => p.kill(firstSubgraph(p)),
      heal: (p) => p.restart(firstSubgraph(p)),
    },
    {
      name: 'subgraph-latency',
      description: '300 ms added each way to a subgraph’s traffic',
      expectation: 'latency rises, nothing fails (subgraph timeout 2 s)',
      inject: (p) => p.proxies.subgraphs.get(firstSubgraph(p))!.setMode('delay', { delayMs: 300 }),
      heal: (p) => p.proxies.subgraphs.get(firstSubgraph(p))!.setMode('pass'),
    },
  ];
}
