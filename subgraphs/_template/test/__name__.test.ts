import { TestSubgraph } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __camel__Subgraph } from '../src/index.js';

// Runs on embedded PGlite shards: no service needed. For real PostgreSQL shards too, run the suite
// over `describe.each(TEST_BACKENDS)` with `{ backend }` (see subgraphs/accounts/test).
describe('__name__ subgraph', () => {
  const subgraph = new TestSubgraph(__camel__Subgraph, { backend: 'embedded PGlite' });
  const gql = subgraph.request;
  beforeAll(() => subgraph.start(), 60_000);
  afterAll(() => subgraph.stop());

  it('adds a note for the caller’s tenant and lists it back, and no other tenant sees it', async () => {
    const acme = { tenantId: 'acme', userId: 'acme:u1' };
    const added = await gql('mutation { add__Name__Note(text: "hello") { id text } }', acme);
    expect(added.errors).toBeUndefined();
    const list = await gql('{ __camel__Notes { text } }', acme);
    expect(list.data).toEqual({ __camel__Notes: [{ text: 'hello' }] });
    const other = await gql('{ __camel__Notes { text } }', { tenantId: 'globex' });
    expect(other.data).toEqual({ __camel__Notes: [] });
  });

  it('refuses a request without the gateway’s signed identity', async () => {
    const res = await gql('{ __camel__Notes { text } }', null);
    expect(res.status).toBe(401);
  });
});
