import { randomUUID } from 'node:crypto';
import type { QueryEvent } from '@intelgraph/database-sharding';
import { type DeliveredMessage, RabbitMQQueue } from '@intelgraph/message-queue-enhanced';
import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import {
  createRealShards,
  graphqlRequest,
  type RealShards,
  testRuntimeConfig,
} from '@intelgraph/subgraph-runtime/testing';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitiesSubgraph } from '../src/index.js';

describe('entities with REDIS_URL and AMQP_URL: two instances on shared shards, Redis and RabbitMQ', () => {
  let real: RealShards;
  let a: RunningSubgraph;
  let b: RunningSubgraph;
  let listener: RabbitMQQueue;
  const delivered: DeliveredMessage[] = [];
  const statementsOfB: QueryEvent[] = [];
  const tenant = `acme${randomUUID().slice(0, 6)}`;
  const analyst = { tenantId: tenant, userId: `${tenant}:analyst` };

  beforeAll(async () => {
    real = await createRealShards('entities_real', 2);
    const urls = serviceUrls();
    const config = testRuntimeConfig({ shards: real.shards, redisUrl: urls.redis, amqpUrl: urls.amqp });
    a = await startSubgraph(entitiesSubgraph, config);
    b = await startSubgraph(entitiesSubgraph, config);
    b.services.storage.distributor.onQuery((e) => statementsOfB.push(e));
    listener = new RabbitMQQueue({ url: urls.amqp, namespace: 'intelgraph' });
    await listener.subscribe(
      'entity',
      (m) => {
        delivered.push(m);
      },
      { group: `test-${randomUUID().slice(0, 8)}` },
    );
  });
  afterAll(async () => {
    await listener?.close();
    // The subgraphs still publish to the shared exchange: remove only this test's group queues.
    await listener?.deleteDeclaredTopology({ keepExchange: true });
    await b?.stop();
    await a?.stop();
    await real?.drop();
  });

  it('uses the real transport and a Redis L2', () => {
    expect(a.services.transport.kind).toBe('rabbitmq');
    expect(a.services.cache.l2Available).toBe(true);
  });

  it('serves an entity loaded by one instance to the other from Redis, and sees updates from either', async () => {
    const created = await graphqlRequest<{ createEntity: { id: string } }>(
      a.url,
      'mutation { createEntity(input: { kind: ORGANISATION, name: "Analytical Engines Ltd" }) { id } }',
      { identity: analyst },
    );
    const id = created.data!.createEntity.id;
    const query = `{ entity(id: "${id}") { name version } }`;
    expect((await graphqlRequest(a.url, query, { identity: analyst })).data).toEqual({
      entity: { name: 'Analytical Engines Ltd', version: 1 },
    });
    statementsOfB.length = 0;
    expect((await graphqlRequest(b.url, query, { identity: analyst })).data).toEqual({
      entity: { name: 'Analytical Engines Ltd', version: 1 },
    });
    expect(statementsOfB.filter((s) => /FROM entities/.test(s.sql))).toHaveLength(0);

    await graphqlRequest(
      b.url,
      `mutation { updateEntity(id: "${id}", input: { name: "AE Ltd" }) { version } }`,
      {
        identity: analyst,
      },
    );
    const deadline = Date.now() + 5000;
    let seen: unknown;
    while (Date.now() < deadline) {
      seen = (await graphqlRequest<{ entity: unknown }>(a.url, query, { identity: analyst })).data?.entity;
      if ((seen as { version: number }).version === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toEqual({ name: 'AE Ltd', version: 2 });

    while (delivered.filter((m) => m.key === id).length < 2 && Date.now() < deadline + 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(delivered.filter((m) => m.key === id).map((m) => m.type)).toEqual([
      'EntityCreated',
      'EntityUpdated',
    ]);
  });
});
