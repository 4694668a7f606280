import { type RunningSubgraph, startSubgraph } from '@intelgraph/subgraph-runtime';
import { graphqlRequest, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __camel__Subgraph } from '../src/index.js';

// Runs on embedded PGlite shards: no service needed.
describe('__name__ subgraph', () => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    running = await startSubgraph(__camel__Subgraph, testRuntimeConfig());
  }, 60_000);
  afterAll(() => running?.stop());

  it('adds a note for the caller’s tenant and lists it back, and no other tenant sees it', async () => {
    const acme = { tenantId: 'acme', userId: 'acme:u1' };
    const added = await graphqlRequest(
      running.url,
      'mutation { add__Name__Note(text: "hello") { id text } }',
      {
        identity: acme,
      },
    );
    expect(added.errors).toBeUndefined();
    const list = await graphqlRequest(running.url, '{ __camel__Notes { text } }', { identity: acme });
    expect(list.data).toEqual({ __camel__Notes: [{ text: 'hello' }] });
    const other = await graphqlRequest(running.url, '{ __camel__Notes { text } }', {
      identity: { tenantId: 'globex' },
    });
    expect(other.data).toEqual({ __camel__Notes: [] });
  });

  it('refuses a request without the gateway’s signed identity', async () => {
    const res = await graphqlRequest(running.url, '{ __camel__Notes { text } }', { identity: null });
    expect(res.status).toBe(401);
  });
});
