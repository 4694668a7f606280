import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BrokerVersion, quorumProblems } from '../src/rabbitmq/quorum-compatibility.js';
import { laneRoutingKey, topicOfRoutingKey } from '../src/rabbitmq/rabbitmq-codec.js';
import { groupTopology, queueDeclarations } from '../src/rabbitmq/rabbitmq-topology.js';
import { resolveRetryPolicy } from '../src/transport/retry-policy.js';

/*
 * The library's topology against the cluster it is deployed to: the RabbitmqCluster manifest
 * (its image's version and `default_queue_type`) is read, and every queue the library declares
 * must be of that type and use only what that type and version accept.
 */
const manifest = path.join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'infrastructure',
  'kubernetes',
  'base',
  'data',
  'rabbitmq.yaml',
);
// The manifest's `spec.image` and the `default_queue_type` line of `spec.rabbitmq.additionalConfig`.
const text = readFileSync(manifest, 'utf8');
const defaultQueueType = /^\s*default_queue_type\s*=\s*(\w+)\s*$/m.exec(text)?.[1];
const imageVersion = /^ {2}image:\s*rabbitmq:(\d+)\.(\d+)/m.exec(text);
const version: BrokerVersion = [Number(imageVersion?.[1]), Number(imageVersion?.[2])];

describe('RabbitMQ topology against the cluster manifest', () => {
  it('reads the cluster: quorum queues by default, RabbitMQ 3.13', () => {
    expect(defaultQueueType).toBe('quorum');
    expect(version).toEqual([3, 13]);
  });

  it.each([
    ['the defaults', {}],
    ['a long backoff', { baseDelayMs: 500, maxDelayMs: 600_000, factor: 3 }],
  ])('every queue it declares (%s) is of the cluster default type and declarable there', (_name, retry) => {
    const declarations = queueDeclarations(
      groupTopology('intelgraph', 'entity', 'projector', resolveRetryPolicy(retry)),
    );
    expect(declarations.length).toBeGreaterThan(6);
    expect(declarations.flatMap((q) => quorumProblems(q, defaultQueueType!, version))).toEqual([]);
  });

  it('expresses each priority as its own queue, most urgent first, bound to the events and lanes exchanges', () => {
    const t = groupTopology('intelgraph', 'entity', 'projector', resolveRetryPolicy({}));
    expect(t.lanes.map((l) => [l.priority, l.queue, l.routingKey])).toEqual([
      ['critical', 'intelgraph.entity.projector.critical', 'entity/critical'],
      ['high', 'intelgraph.entity.projector.high', 'entity/high'],
      ['normal', 'intelgraph.entity.projector.normal', 'entity'],
      ['low', 'intelgraph.entity.projector.low', 'entity/low'],
    ]);
    const [critical] = queueDeclarations(t);
    expect(critical!.bindings).toEqual([
      { exchange: 'intelgraph.events', routingKey: 'entity/critical' },
      {
        exchange: 'intelgraph.lanes',
        routingKey: '',
        arguments: { 'x-match': 'all', 'ig-lane': critical!.name },
      },
    ]);
    expect(topicOfRoutingKey(laneRoutingKey('a.b-c', 'high'))).toBe('a.b-c');
  });

  it('would catch what the cluster refuses: a priority queue, a classic queue, a feature too new', () => {
    const q = (args: Record<string, unknown>) => ({ name: 'q', arguments: args, bindings: [] });
    expect(quorumProblems(q({ 'x-queue-type': 'quorum', 'x-max-priority': 10 }), 'quorum', [3, 13])).toEqual([
      'q: x-max-priority (message priorities (quorum queues: none before RabbitMQ 4.0)) is refused by quorum queues',
    ]);
    expect(quorumProblems(q({ 'x-max-priority': 10 }), 'quorum', [3, 13])).toHaveLength(1);
    expect(quorumProblems(q({ 'x-queue-type': 'classic' }), 'quorum', [3, 13])).toEqual([
      "q: declared classic, the cluster's default_queue_type is quorum",
    ]);
    expect(quorumProblems(q({ 'x-queue-type': 'quorum', 'x-message-ttl': 5 }), 'quorum', [3, 9])).toEqual([
      'q: x-message-ttl on a quorum queue needs RabbitMQ 3.10+, the cluster runs 3.9',
    ]);
    expect(
      quorumProblems(
        q({ 'x-queue-type': 'quorum', 'x-dead-letter-strategy': 'at-least-once' }),
        'quorum',
        [3, 13],
      ),
    ).toEqual(['q: at-least-once dead-lettering needs x-overflow reject-publish']);
  });
});
