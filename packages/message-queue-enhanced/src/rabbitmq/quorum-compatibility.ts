import type { QueueDeclaration } from './rabbitmq-topology.js';

/*
 * What a quorum queue accepts, by RabbitMQ version (RabbitMQ's queue-type feature matrix):
 * the checks that keep the library's topology declarable on the production cluster
 * (default_queue_type = quorum), where a refused argument fails every declare with
 * 406 PRECONDITION_FAILED.
 */

/** Arguments only classic queues (or streams) take, with what they are. */
const NOT_FOR_QUORUM: Readonly<Record<string, string>> = {
  'x-max-priority': 'message priorities (quorum queues: none before RabbitMQ 4.0)',
  'x-queue-mode': 'lazy mode (classic queues)',
  'x-queue-master-locator': 'mirrored-queue placement (classic queues)',
  'x-queue-version': 'classic queue storage version',
  'x-max-age': 'stream retention',
  'x-stream-max-segment-size-bytes': 'stream segments',
};

/** The quorum-queue arguments that need at least this RabbitMQ version. */
const SINCE: Readonly<Record<string, readonly [number, number]>> = {
  'x-message-ttl': [3, 10],
  'x-dead-letter-strategy': [3, 10],
};

export type BrokerVersion = readonly [major: number, minor: number];

const atLeast = (v: BrokerVersion, min: readonly [number, number]) =>
  v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

/**
 * Why `q` could not be declared on a cluster whose default queue type is `defaultQueueType`, running `version` (empty
 * when it can): a refused argument, a type other than the cluster's default, a feature the version
 * lacks.
 */
export function quorumProblems(
  q: QueueDeclaration,
  defaultQueueType: string,
  version: BrokerVersion,
): string[] {
  const problems: string[] = [];
  const type = q.arguments['x-queue-type'] ?? defaultQueueType;
  if (type !== defaultQueueType) {
    problems.push(
      `${q.name}: declared ${String(type)}, the cluster's default_queue_type is ${defaultQueueType}`,
    );
  }
  if (type !== 'quorum') return problems;
  for (const arg of Object.keys(q.arguments)) {
    if (arg in NOT_FOR_QUORUM)
      problems.push(`${q.name}: ${arg} (${NOT_FOR_QUORUM[arg]}) is refused by quorum queues`);
    const since = SINCE[arg];
    if (since && !atLeast(version, since)) {
      problems.push(
        `${q.name}: ${arg} on a quorum queue needs RabbitMQ ${since.join('.')}+, the cluster runs ${version.join('.')}`,
      );
    }
  }
  if (
    q.arguments['x-dead-letter-strategy'] === 'at-least-once' &&
    q.arguments['x-overflow'] !== 'reject-publish'
  ) {
    problems.push(`${q.name}: at-least-once dead-lettering needs x-overflow reject-publish`);
  }
  if (q.arguments['x-overflow'] === 'reject-publish-dlx') {
    problems.push(`${q.name}: x-overflow reject-publish-dlx is not supported by quorum queues`);
  }
  return problems;
}
