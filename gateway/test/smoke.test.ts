import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC_QUERY } from './fixtures/classic-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ LOG_LEVEL: 'error' });
});
afterAll(() => gw.stop());

describe('gateway over the classic subgraphs', () => {
  it('answers a query touching all four subgraphs', async () => {
    const res = await gw.post({ query: CLASSIC_QUERY });
    expect(res.body).toMatchObject({ data: {} });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toEqual({ id: '1', name: 'Ada Lovelace', username: '@ada' });
    expect(res.body.data.topProducts).toHaveLength(5);
    expect(res.body.data.topProducts[0]).toMatchObject({
      upc: '1',
      name: 'Table',
      inStock: true,
      shippingEstimate: 50,
    });
    expect(res.body.data.topProducts[0].reviews[0].author.reviews.length).toBeGreaterThan(0);
  });
});
