import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultTree } from '../../src/execution/result-tree.js';
import type { GatewayPlugin } from '../../src/plugin.js';
import { type ClassicSubgraphs, startClassicSubgraphs } from '../fixtures/classic-subgraphs.js';
import { startTestGateway, type TestGateway } from '../fixtures/test-gateway.js';

/*
 * Our plan executor (GATEWAY_EXECUTOR=intelgraph) against Apollo Gateway's, over the classic
 * subgraphs: the same answers (data, errors, paths, codes) for entity joins, @requires,
 * @provides, abstract and root __typename, aliases, @skip/@include, introspection, invalid
 * variables and a failing subgraph — while every subgraph answer it gets is deep-frozen, so a
 * single write into a fetch result (what made dedup leak) would throw. The generated-operation
 * comparison with vanilla Apollo Gateway is the differential test (test/differential).
 */

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Freezes every subgraph answer before the executor sees it. */
const freezeAnswers: GatewayPlugin = {
  name: 'freeze-answers',
  wrapSubgraphFetch: (next) => async (request) => deepFreeze(await next(request)),
};

const OPERATIONS: readonly { readonly query: string; readonly variables?: Record<string, unknown> }[] = [
  { query: '{ topProducts { upc name price reviews { body author { username name } } } }' },
  { query: '{ topProducts(first: 2) { upc inStock shippingEstimate weight } }' },
  { query: '{ __typename first: topProducts(first: 1) { t: __typename upc } me { __typename id } }' },
  {
    query:
      'query ($withReviews: Boolean!, $noName: Boolean!) { topProducts { upc name @skip(if: $noName) reviews @include(if: $withReviews) { id } } }',
    variables: { withReviews: true, noName: true },
  },
  {
    query:
      'query ($withReviews: Boolean!) { topProducts { upc ...P } } fragment P on Product { price reviews @include(if: $withReviews) { author { ... on User { id reviews { body } } } } }',
    variables: { withReviews: false },
  },
  {
    query:
      '{ __schema { queryType { name } } __type(name: "Product") { fields { name } } topProducts { upc } }',
  },
  { query: 'query ($n: Int) { topProducts(first: $n) { upc } }', variables: { n: 'not a number' } },
];

describe('plan executor (GATEWAY_EXECUTOR=intelgraph)', () => {
  let subgraphs: ClassicSubgraphs;
  let apollo: TestGateway;
  let ours: TestGateway;
  beforeAll(async () => {
    subgraphs = await startClassicSubgraphs();
    apollo = await startTestGateway({ GATEWAY_EXECUTOR: 'apollo' }, {}, subgraphs);
    ours = await startTestGateway(
      { GATEWAY_EXECUTOR: 'intelgraph' },
      { plugins: [freezeAnswers] },
      subgraphs,
    );
  }, 60_000);
  afterAll(async () => {
    await ours?.gateway.stop();
    await apollo?.gateway.stop();
    await subgraphs?.stop();
  });

  it('answers like Apollo Gateway, never writing into a subgraph answer', async () => {
    for (const operation of OPERATIONS) {
      const expected = await apollo.post(operation);
      // Twice: the second is planned from the cache and shaped by the cached shaper.
      for (let i = 0; i < 2; i++) {
        const actual = await ours.post(operation);
        expect({ status: actual.status, body: actual.body }, operation.query).toEqual({
          status: expected.status,
          body: expected.body,
        });
      }
    }
  });

  it('answers concurrent requests sharing fetches (dedup) each like Apollo Gateway does alone', async () => {
    const expected = await Promise.all(OPERATIONS.map((o) => apollo.post(o)));
    const rounds = await Promise.all(
      Array.from({ length: 5 }, () => Promise.all(OPERATIONS.map((o) => ours.post(o)))),
    );
    for (const round of rounds) expect(round.map((r) => r.body)).toEqual(expected.map((r) => r.body));
  });

  it('reports a failing subgraph with the rest of the data, paths and codes as Apollo Gateway does', async () => {
    const inventory = subgraphs.all.find((s) => s.name === 'inventory')!;
    inventory.failing = true;
    try {
      const operation = { query: '{ topProducts(first: 2) { upc name inStock shippingEstimate } }' };
      const expected = await apollo.post(operation);
      const actual = await ours.post(operation);
      expect(actual.body.errors?.length).toBeGreaterThan(0);
      expect(actual.body).toEqual(expected.body);
      expect(actual.status).toBe(expected.status);
    } finally {
      inventory.failing = false;
    }
  });
});

describe('ResultTree', () => {
  it('merges answers as Apollo deepMerge does, copying instead of writing into them', () => {
    const tree = new ResultTree();
    const first = deepFreeze({
      topProducts: [
        { __typename: 'Product', upc: '1' },
        { __typename: 'Product', upc: '2' },
      ],
    });
    const second = deepFreeze({ topProducts: [{ name: 'Table' }, { name: 'Couch' }] });
    tree.merge(tree.root, first);
    tree.merge(tree.root, second);
    const entity = tree.own(tree.own(tree.root, 'topProducts') as unknown[], 1) as Record<string, unknown>;
    tree.merge(entity, deepFreeze({ reviews: [{ body: 'Too expensive.' }] }));
    expect(JSON.parse(JSON.stringify(tree.root))).toEqual({
      topProducts: [
        { __typename: 'Product', upc: '1', name: 'Table' },
        { __typename: 'Product', upc: '2', name: 'Couch', reviews: [{ body: 'Too expensive.' }] },
      ],
    });
    expect(first.topProducts[1]).toEqual({ __typename: 'Product', upc: '2' });
  });
});
