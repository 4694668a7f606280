import { loadConfig } from '@intelgraph/config';
import { parse } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedisCluster } from '../../advanced-caching/test/helpers/own-redis-cluster.js';
import {
  type RunningSubgraph,
  type SubgraphDefinition,
  startSubgraph,
  subgraphVariables,
} from '../src/index.js';
import { graphqlRequest, testRuntimeConfig } from '../src/testing/index.js';

/*
 * REDIS_URL + REDIS_CLUSTER=true against a real three-master Redis Cluster started by this file:
 * two instances of one subgraph share their L2 even though its keys spread over every master.
 */
const loads = new Map<string, number>();

const facts: SubgraphDefinition<Record<string, never>> = {
  name: 'facts',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Query { facts(ids: [ID!]!): [String!]! }
  `),
  migrations: [],
  setup: (services) => ({
    loaders: {},
    resolvers: {
      Query: {
        facts: (_: unknown, args: { ids: string[] }) =>
          Promise.all(
            args.ids.map((id) =>
              services.cache.getOrSet(
                `fact:${id}`,
                () => {
                  loads.set(id, (loads.get(id) ?? 0) + 1);
                  return `fact ${id}`;
                },
                { ttl: 600 },
              ),
            ),
          ),
      },
    } as never,
  }),
};

let cluster: OwnRedisCluster;
let a: RunningSubgraph;
let b: RunningSubgraph;

beforeAll(async () => {
  cluster = await OwnRedisCluster.start();
  // Configured as production is: one node's URL, and REDIS_CLUSTER.
  const env = loadConfig(subgraphVariables(0), {
    REDIS_URL: `redis://127.0.0.1:${cluster.ports[0]}`,
    REDIS_CLUSTER: 'true',
  });
  expect(env.redisCluster).toBe(true);
  const config = testRuntimeConfig({ redisUrl: env.redisUrl, redisCluster: env.redisCluster });
  a = await startSubgraph(facts, config);
  b = await startSubgraph(facts, config);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await cluster?.stop();
});

describe('a subgraph with REDIS_URL and REDIS_CLUSTER=true', () => {
  it('serves what one instance loaded to the other from the cluster L2, whichever master holds it', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `f${i}-${Date.now()}`);
    const query = `{ facts(ids: ${JSON.stringify(ids)}) }`;
    const identity = { tenantId: 'acme' };
    const expected = { facts: ids.map((id) => `fact ${id}`) };

    expect((await graphqlRequest(a.url, query, { identity })).data).toEqual(expected);
    expect([...loads.values()].reduce((n, c) => n + c, 0)).toBe(ids.length);

    // The entries are spread over the three masters (so a single-node client would meet MOVED).
    expect(a.services.cache.l2Available).toBe(true);
    const perNode = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis({ port, host: '127.0.0.1' });
        try {
          return await node.dbsize();
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(perNode.filter((n) => n > 0)).toHaveLength(3);

    expect((await graphqlRequest(b.url, query, { identity })).data).toEqual(expected);
    // b loaded nothing itself: every fact came from L2.
    expect([...loads.values()].reduce((n, c) => n + c, 0)).toBe(ids.length);
  });
});
