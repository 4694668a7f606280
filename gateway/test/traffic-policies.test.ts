import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * The traffic policies attacked: a shared failure counted once by the breaker, retries only
 * where they are safe and useful, and one deadline per request that nothing outlives.
 */

const ME = '{ me { id } }';
const TOP = '{ topProducts(first: 1) { upc } }';
const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('circuit breaker and retries count upstream calls', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      BREAKER_FAILURES: '2',
      BREAKER_RESET_MS: '60000',
      SUBGRAPH_TIMEOUTS: 'products=300',
    });
  });
  afterAll(() => gw.stop());

  it('counts one failing upstream call shared by 10 requests as one failure, and does not retry its 5xx', async () => {
    const accounts = gw.subgraphs.get('accounts');
    accounts.failing = true;
    accounts.delayMs = 500;
    accounts.calls = 0;
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => gw.post({ query: ME })));
      for (const r of results) expect(code(r.body)).toBe('SUBGRAPH_REQUEST_FAILED');
      expect(accounts.calls).toBe(1);
    } finally {
      accounts.failing = false;
      accounts.delayMs = 0;
    }
    // One failure with a threshold of 2: the breaker is still closed, the subgraph is called.
    const next = await gw.post({ query: ME });
    expect(next.body).toEqual({ data: { me: { id: '1' } } });
    expect(accounts.calls).toBe(2);
  });

  it('does not retry a timed-out fetch by default', async () => {
    const products = gw.subgraphs.get('products');
    products.delayMs = 1500;
    products.calls = 0;
    try {
      const res = await gw.post({ query: TOP });
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_TIMEOUT',
        serviceName: 'products',
      });
      expect(products.calls).toBe(1);
    } finally {
      products.delayMs = 0;
    }
    await until(async () => (await gw.post({ query: TOP })).body.errors === undefined, 'products back');
  });

  it('retries a connection reset before any response, but never for a mutation', async () => {
    const accounts = gw.subgraphs.get('accounts');
    accounts.calls = 0;
    accounts.dropNext = 1;
    expect((await gw.post({ query: ME })).body).toEqual({ data: { me: { id: '1' } } });
    expect(accounts.calls).toBe(2);

    const reviews = gw.subgraphs.get('reviews');
    reviews.calls = 0;
    reviews.dropNext = 1;
    const res = await gw.post({ query: 'mutation { addReview(upc: "1", body: "x") { id } }' });
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'SUBGRAPH_REQUEST_FAILED',
      serviceName: 'reviews',
    });
    expect(reviews.calls).toBe(1);
  });

  it('stops retrying once the breaker opens: each attempt is an upstream call it counts', async () => {
    const accounts = gw.subgraphs.get('accounts');
    accounts.calls = 0;
    accounts.dropNext = 10;
    try {
      const res = await gw.post({ query: ME });
      // Two resets open the breaker (threshold 2); the third attempt fails fast without a call.
      expect(code(res.body)).toBe('SUBGRAPH_UNAVAILABLE');
      expect(accounts.calls).toBe(2);
    } finally {
      accounts.dropNext = 0;
    }
  });
});

describe('SUBGRAPH_RETRY_ON', () => {
  it('retries timeouts and 5xx only when configured', async () => {
    await using gw = await startTestGateway({
      SUBGRAPH_RETRY_ON: 'timeout,5xx',
      SUBGRAPH_RETRIES: '2',
      SUBGRAPH_TIMEOUTS: 'products=200',
      BREAKER_FAILURES: '10',
    });
    const products = gw.subgraphs.get('products');
    // undici's timeouts tick every ~0.5 s: a 200 ms timeout fires within a second.
    products.delayMs = 1500;
    products.calls = 0;
    try {
      expect(code((await gw.post({ query: TOP })).body)).toBe('SUBGRAPH_TIMEOUT');
      expect(products.calls).toBe(3);
    } finally {
      products.delayMs = 0;
    }
    const inventory = gw.subgraphs.get('inventory');
    inventory.failing = true;
    inventory.calls = 0;
    try {
      const res = await gw.post({ query: '{ topProducts(first: 1) { upc inStock } }' });
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'SUBGRAPH_REQUEST_FAILED',
        serviceName: 'inventory',
      });
      expect(inventory.calls).toBe(3);
    } finally {
      inventory.failing = false;
    }
    // Connection-level failures are then not retried: the list replaces the default.
    const accounts = gw.subgraphs.get('accounts');
    accounts.calls = 0;
    accounts.dropNext = 1;
    expect(code((await gw.post({ query: ME })).body)).toBe('SUBGRAPH_REQUEST_FAILED');
    expect(accounts.calls).toBe(1);
  });

  it('refuses an unknown failure kind at start', async () => {
    await expect(startTestGateway({ SUBGRAPH_RETRY_ON: 'connect,sometimes' })).rejects.toThrow(
      /SUBGRAPH_RETRY_ON/,
    );
  });
});

describe('REQUEST_TIMEOUT_MS: one deadline per request', () => {
  it('answers GATEWAY_TIMEOUT at the deadline instead of waiting for a slow subgraph, without counting a breaker failure', async () => {
    await using gw = await startTestGateway({ REQUEST_TIMEOUT_MS: '400', BREAKER_FAILURES: '1' });
    const products = gw.subgraphs.get('products');
    products.delayMs = 3000;
    let res: Awaited<ReturnType<typeof gw.post>>;
    const started = performance.now();
    try {
      res = await gw.post({ query: TOP });
    } finally {
      products.delayMs = 0;
    }
    const elapsed = performance.now() - started;
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'GATEWAY_TIMEOUT', serviceName: 'products' });
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(2000);
    // The abandoned call says nothing about the subgraph: the breaker (threshold 1) stays closed.
    expect((await gw.post({ query: TOP })).body).toEqual({ data: { topProducts: [{ upc: '1' }] } });
  });

  it('bounds a slow subgraph plus all its retries', async () => {
    await using gw = await startTestGateway({
      REQUEST_TIMEOUT_MS: '1200',
      SUBGRAPH_TIMEOUTS: 'products=100',
      SUBGRAPH_RETRY_ON: 'connect,timeout,5xx',
      SUBGRAPH_RETRIES: '10',
      BREAKER_FAILURES: '100',
    });
    const products = gw.subgraphs.get('products');
    products.delayMs = 5000;
    products.calls = 0;
    let res: Awaited<ReturnType<typeof gw.post>>;
    const started = performance.now();
    try {
      res = await gw.post({ query: TOP });
    } finally {
      products.delayMs = 0;
    }
    const elapsed = performance.now() - started;
    expect(['GATEWAY_TIMEOUT', 'SUBGRAPH_TIMEOUT']).toContain(code(res.body));
    // Each attempt times out within ~0.5–1 s (undici's coarse timers): one to three attempts fit.
    expect(elapsed).toBeLessThan(2000);
    expect(products.calls).toBeGreaterThanOrEqual(1);
    expect(products.calls).toBeLessThanOrEqual(3);
  });
});
