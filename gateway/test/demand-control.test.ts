import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptSecurityFeatures } from '../src/security/accept-security-features.js';
import { AUTHZ_JWT_SECRET, headersFor } from './fixtures/authz-identities.js';
import { type AuthzSubgraphs, startAuthzSubgraphs } from './fixtures/authz-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

const COST = { 'x-graphql-cost': 'true' };

/** Nested abstract selections, three lists deep: costly only if every branch were summed. */
const NESTED = `query Nested {
  search(first: 5) {
    __typename
    ... on Document { id title related { ...R } }
    ... on Secret { id codename }
    ... on Report { id summary }
  }
}
fragment R on SearchResult {
  __typename
  ... on Document {
    id title
    related {
      __typename
      ... on Document { id title related { __typename ... on Document { id } ... on Report { id } ... on Secret { id } } }
      ... on Report { id summary }
      ... on Secret { id codename }
    }
  }
  ... on Report { id summary }
  ... on Secret { id codename }
}`;

describe('demand control with the default limits (MAX_COST 5000)', () => {
  let subgraphs: AuthzSubgraphs;
  let gw: TestGateway;
  beforeAll(async () => {
    subgraphs = await startAuthzSubgraphs();
    gw = await startTestGateway({ JWT_SECRET: AUTHZ_JWT_SECRET, ALLOW_ANONYMOUS: 'true' }, {}, subgraphs);
  });
  afterAll(async () => {
    await gw.stop();
    await subgraphs.stop();
  });

  it('counts a variable’s default like the same literal: neither escapes the limit', async () => {
    subgraphs.resetCounts();
    const selection = '{ ... on Document { owner { name } } }';
    const viaDefault = await gw.post({ query: `query($n: Int = 100000) { search(first: $n) ${selection} }` });
    expect(viaDefault.status).toBe(400);
    expect(viaDefault.body.errors[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COSTLY',
      cost: 200_000,
      limit: 5000,
    });
    const literal = await gw.post({ query: `{ search(first: 100000) ${selection} }` });
    expect(literal.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost: 200_000 });
    expect(subgraphs.totalCalls()).toBe(0);
    // The value sent wins over the default.
    const small = await gw.post({
      query: `query($n: Int = 100000) { search(first: $n) ${selection} }`,
      variables: { n: 2 },
    });
    expect(small.status).toBe(200);
    expect(small.body.data.search).toHaveLength(2);
  });

  it('sizes a connection’s edges by first/last, and reports the estimate when asked', async () => {
    const q = (n: number) => ({ query: `{ documents(first: ${n}) { edges { node { id } } } }` });
    const two = await gw.post(q(2), COST);
    expect(two.body.data.documents.edges).toHaveLength(2);
    expect(two.body.extensions).toEqual({ cost: { estimated: 1 + 2 * 2, limit: 5000, mode: 'enforce' } });
    const many = await gw.post(q(3000), COST);
    expect(many.status).toBe(400);
    expect(many.body.errors[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COSTLY',
      cost: 6001,
      limit: 5000,
    });
    // Not asked: no extensions.
    expect((await gw.post(q(2))).body.extensions).toBeUndefined();
  });

  it('answers a nested abstract-type query as vanilla Apollo Gateway does (the costliest branch, not the sum)', async () => {
    const admin = await headersFor({ user: 'root', scopes: ['admin'] });
    const ours = await gw.post({ query: NESTED }, { ...admin, ...COST });
    expect(ours.status).toBe(200);
    expect(ours.body.errors).toBeUndefined();
    // search 5 × (1 + related 3 × (1 + related 3 × (1 + related 3 × 1)))
    expect(ours.body.extensions.cost.estimated).toBe(200);

    const vanilla = new ApolloGateway({
      supergraphSdl: acceptSecurityFeatures(readFileSync(gw.supergraphPath, 'utf8')),
    });
    const server = new ApolloServer({ gateway: vanilla });
    await server.start();
    try {
      const res = await server.executeOperation({ query: NESTED });
      expect(res.body.kind).toBe('single');
      const single = res.body.kind === 'single' ? res.body.singleResult : undefined;
      expect(single?.errors).toBeUndefined();
      expect(ours.body.data).toEqual(single?.data);
    } finally {
      await server.stop();
    }
  });

  it('refuses a field that needs exactly one slicing argument without it', async () => {
    const res = await gw.post({ query: '{ pagedStrict { edges { node { id } } } }' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'QUERY_SLICING_ARGUMENT_REQUIRED',
      coordinate: 'Query.pagedStrict',
      slicingArguments: ['first', 'last'],
    });
  });
});

describe('demand control options', () => {
  it('COST_EXTENSIONS=always with COST_ACTUAL reports the estimate and the actual cost of each response', async () => {
    await using subgraphs = await startAuthzSubgraphs();
    await using gw = await startTestGateway(
      { COST_EXTENSIONS: 'always', COST_ACTUAL: 'true' },
      {},
      subgraphs,
    );
    const res = await gw.post({ query: '{ search(first: 30) { ... on Document { owner { name } } } }' });
    // 30 items estimated, 4 returned: 4 objects and 2 owners.
    expect(res.body.extensions.cost).toEqual({ estimated: 60, actual: 6, limit: 5000, mode: 'enforce' });
    const metrics = await fetch(`${gw.origin}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/gateway_operation_cost_count\{[^}]*kind="actual"[^}]*\} [1-9]/);
  });

  it('COST_MODE=measure serves what enforce would refuse, and says so in extensions', async () => {
    await using subgraphs = await startAuthzSubgraphs();
    await using gw = await startTestGateway({ COST_MODE: 'measure', MAX_COST: '10' }, {}, subgraphs);
    const res = await gw.post(
      { query: '{ search(first: 30) { ... on Document { owner { name } } } }' },
      COST,
    );
    expect(res.status).toBe(200);
    expect(res.body.extensions.cost).toEqual({ estimated: 60, limit: 10, mode: 'measure' });
  });
});
