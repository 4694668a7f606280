import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

const PRODUCTS_WITH_STOCK = '{ topProducts { upc name inStock } }';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('subgraph traffic', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      SUBGRAPH_RETRIES: '2',
      BREAKER_FAILURES: '3',
      BREAKER_RESET_MS: '300',
      SUBGRAPH_TIMEOUTS: 'products=300',
    });
  });
  afterAll(() => gw.stop());

  it('returns the rest of the data with a located error when a subgraph answers 500 (not retried by default)', async () => {
    const inventory = gw.subgraphs.get('inventory');
    inventory.failing = true;
    inventory.calls = 0;
    try {
      const res = await gw.post({ query: PRODUCTS_WITH_STOCK });
      expect(res.status).toBe(200);
      expect(res.body.data.topProducts[0]).toEqual({ upc: '1', name: 'Table', inStock: null });
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_REQUEST_FAILED',
        serviceName: 'inventory',
      });
      // A 5xx is the subgraph's verdict: retried only with SUBGRAPH_RETRY_ON=5xx (traffic-policies.test.ts).
      expect(inventory.calls).toBe(1);
    } finally {
      inventory.failing = false;
    }
    // The success that follows resets the breaker's failure count.
    expect((await gw.post({ query: PRODUCTS_WITH_STOCK })).body.errors).toBeUndefined();
  });

  it('never retries a mutation', async () => {
    const reviews = gw.subgraphs.get('reviews');
    reviews.failing = true;
    reviews.calls = 0;
    try {
      const res = await gw.post({ query: 'mutation { addReview(upc: "1", body: "x") { id } }' });
      expect(res.body.errors[0].extensions.code).toBe('SUBGRAPH_REQUEST_FAILED');
      expect(reviews.calls).toBe(1);
    } finally {
      reviews.failing = false;
    }
  });

  it('times a slow subgraph out with SUBGRAPH_TIMEOUT', async () => {
    const products = gw.subgraphs.get('products');
    products.delayMs = 1000;
    try {
      const res = await gw.post({ query: '{ topProducts(first: 1) { upc } }' });
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_TIMEOUT',
        serviceName: 'products',
      });
    } finally {
      products.delayMs = 0;
    }
    await until(
      async () => (await gw.post({ query: '{ topProducts(first: 1) { upc } }' })).body.errors === undefined,
      'products back',
    );
  });

  it('opens the breaker on a killed subgraph (fail fast, partial data) and closes it when the subgraph is back', async () => {
    const inventory = gw.subgraphs.get('inventory');
    await inventory.stop();
    try {
      for (let i = 0; i < 3; i++) await gw.post({ query: PRODUCTS_WITH_STOCK });
      const open = await gw.post({ query: PRODUCTS_WITH_STOCK });
      expect(open.body.data.topProducts[1].name).toBe('Couch');
      expect(open.body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_UNAVAILABLE',
        serviceName: 'inventory',
      });
      const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
      expect(metrics).toMatch(/gateway_circuit_open\{subgraph="inventory"[^}]*\} 1/);
    } finally {
      await inventory.restart();
    }
    await until(
      async () => (await gw.post({ query: PRODUCTS_WITH_STOCK })).body.errors === undefined,
      'breaker to close',
    );
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toMatch(/gateway_circuit_open\{subgraph="inventory"[^}]*\} 0/);
  });

  it('shares identical in-flight fetches between concurrent requests of one identity', async () => {
    const accounts = gw.subgraphs.get('accounts');
    accounts.delayMs = 100;
    accounts.calls = 0;
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => gw.post({ query: '{ me { id name } }' })),
      );
      for (const r of results) expect(r.body).toEqual({ data: { me: { id: '1', name: 'Ada Lovelace' } } });
      expect(accounts.calls).toBeLessThan(10);
    } finally {
      accounts.delayMs = 0;
    }
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toMatch(/gateway_subgraph_deduplicated_total\{subgraph="accounts"[^}]*\} [1-9]/);
  });
});
