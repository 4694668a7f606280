import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState, SubgraphRequest, SubgraphResponse } from '../src/plugin.js';
import { useDedup } from '../src/subgraph-fetch/use-dedup.js';
import { startClassicSubgraphs } from './fixtures/classic-subgraphs.js';
import { startIdentityEchoSubgraph, withSubgraphs } from './fixtures/identity-echo-subgraph.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * In-flight dedup attacked: operations that share only their first fetch, sent together many
 * times with varied timing, must each get exactly the answer they get alone; requests of
 * different identities must never share a fetch; waiters never share mutable state.
 */

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake upstream: records each call and answers when the test says so. */
function fakeUpstream() {
  const calls: { request: SubgraphRequest; answer: ReturnType<typeof deferred<SubgraphResponse>> }[] = [];
  const fetch = useDedup().wrapSubgraphFetch!((request) => {
    const answer = deferred<SubgraphResponse>();
    calls.push({ request, answer });
    return answer.promise;
  }, 'things');
  return { calls, fetch };
}

function request(overrides: Partial<SubgraphRequest> & { identityKey?: string } = {}): SubgraphRequest {
  const { identityKey = 'acme\u0001\u0001', ...rest } = overrides;
  return {
    subgraph: 'things',
    url: 'http://things.test/graphql',
    body: '{"query":"{ things { id } }"}',
    headers: { 'content-type': 'application/json', 'x-intelgraph-identity': 'v1.acme.sig' },
    idempotent: true,
    state: { identityKey } as RequestState,
    ...rest,
  };
}

describe('useDedup', () => {
  it('hands each waiter its own deep copy, made before any waiter resumes', async () => {
    const { calls, fetch } = fakeUpstream();
    const seen: unknown[] = [];
    // Each waiter mutates its answer at once, as Apollo Gateway's merge does.
    const waiters = Array.from({ length: 3 }, (_, i) =>
      fetch(request()).then((response) => {
        const things = (response.body.data as { things: { id: string; mine?: number }[] }).things;
        things[0]!.mine = i;
        things.push({ id: `extra-${i}` });
        seen.push(response.body);
        return response.body;
      }),
    );
    expect(calls).toHaveLength(1);
    calls[0]!.answer.resolve({ status: 200, body: { data: { things: [{ id: '1' }] } } });
    const bodies = await Promise.all(waiters);
    for (const [i, body] of bodies.entries())
      expect(body).toEqual({ data: { things: [{ id: '1', mine: i }, { id: `extra-${i}` }] } });
    expect(new Set(seen).size).toBe(3);
  });

  it('never shares between different URLs, headers, identities or bodies, nor mutations', async () => {
    const { calls, fetch } = fakeUpstream();
    const variants = [
      request(),
      request({ url: 'http://other.test/graphql' }),
      request({ headers: { 'content-type': 'application/json', 'x-intelgraph-identity': 'v1.globex.sig' } }),
      request({ headers: { 'content-type': 'application/json', 'x-extra': '1' } }),
      request({ identityKey: 'globex\u0001\u0001' }),
      request({ body: '{"query":"{ things { id } }","variables":{"a":1}}' }),
      request({ idempotent: false }),
      request({ idempotent: false }),
    ];
    const pending = variants.map((r) => fetch(r));
    expect(calls).toHaveLength(variants.length);
    for (const call of calls) call.answer.resolve({ status: 200, body: { data: {} } });
    await Promise.all(pending);
    // The same fetch but for a trace header is shared: traceparent cannot change the answer.
    const a = fetch(request({ headers: { ...request().headers, traceparent: '00-a-b-01' } }));
    const b = fetch(request({ headers: { ...request().headers, traceparent: '00-c-d-01' } }));
    expect(calls).toHaveLength(variants.length + 1);
    calls.at(-1)!.answer.resolve({ status: 200, body: { data: {} } });
    await Promise.all([a, b]);
  });

  it('lets a waiter leave on its own deadline; the upstream call is abandoned only when every waiter left', async () => {
    const { calls, fetch } = fakeUpstream();
    const early = new AbortController();
    const late = new AbortController();
    const first = fetch(request({ deadline: 100, signal: early.signal }));
    const second = fetch(request({ deadline: 300, signal: late.signal }));
    const upstream = calls[0]!.request;
    // The shared call serves the latest deadline of its waiters.
    expect(upstream.deadline).toBe(300);
    early.abort(new Error('first request out of time'));
    await expect(first).rejects.toThrow('first request out of time');
    expect(upstream.signal?.aborted).toBe(false);
    calls[0]!.answer.resolve({ status: 200, body: { data: { ok: true } } });
    expect((await second).body).toEqual({ data: { ok: true } });

    const a = new AbortController();
    const b = new AbortController();
    const both = [fetch(request({ signal: a.signal })), fetch(request({ signal: b.signal }))];
    a.abort(new Error('gone'));
    b.abort(new Error('gone too'));
    await expect(Promise.all(both)).rejects.toThrow('gone');
    expect(calls[1]!.request.signal?.aborted).toBe(true);
    // A new request does not join the abandoned call.
    void fetch(request());
    expect(calls).toHaveLength(3);
    calls[2]!.answer.resolve({ status: 200, body: { data: {} } });
  });

  it('gives every waiter of a failed call the same error, once', async () => {
    const { calls, fetch } = fakeUpstream();
    const waiters = Array.from({ length: 5 }, () => fetch(request()));
    calls[0]!.answer.reject(new Error('boom'));
    for (const w of waiters) await expect(w).rejects.toThrow('boom');
    expect(calls).toHaveLength(1);
  });
});

/** Two (or more) different operations whose first fetch — products' topProducts — is identical. */
const OPERATIONS = [
  '{ topProducts(first: 3) { upc name x: inStock } }',
  '{ topProducts(first: 3) { upc name x: reviews { body author { name } } } }',
  '{ topProducts(first: 3) { upc name x: reviews { id author { username } } } }',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dedup through the gateway, under concurrency', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('answers each of several operations sharing their first fetch exactly as when sent alone', async () => {
    const alone = [];
    for (const query of OPERATIONS) alone.push((await gw.post({ query })).body);
    for (const body of alone) expect(body.errors).toBeUndefined();
    const products = gw.subgraphs.get('products');
    const inventory = gw.subgraphs.get('inventory');
    const reviews = gw.subgraphs.get('reviews');
    const accounts = gw.subgraphs.get('accounts');
    products.calls = 0;
    let sent = 0;
    try {
      for (let round = 0; round < 30; round++) {
        // Varied timing: which later fetch lands first, and while which plan is mid-way.
        products.delayMs = 10 + (round % 3) * 5;
        inventory.delayMs = (round * 7) % 20;
        reviews.delayMs = (round * 5) % 15;
        accounts.delayMs = (round * 11) % 25;
        const order = OPERATIONS.map((_, i) => (i + round) % OPERATIONS.length);
        const answers = await Promise.all(
          order.map(async (i, k) => {
            await sleep(k * (round % 4));
            sent++;
            return { i, body: (await gw.post({ query: OPERATIONS[i] })).body };
          }),
        );
        for (const { i, body } of answers) expect(body, `round ${round}, operation ${i}`).toEqual(alone[i]);
      }
    } finally {
      for (const s of [products, inventory, reviews, accounts]) s.delayMs = 0;
    }
    // The first fetches really were shared (else this test proves nothing).
    expect(products.calls).toBeLessThan(sent);
  });
});

const JWT_SECRET = 'j'.repeat(40);
const IDENTITY_SECRET = 'i'.repeat(40);

function token(tenant: string, user: string, scope = 'read'): Promise<string> {
  return new SignJWT({ tenant, scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

describe('dedup across identities', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const classic = await startClassicSubgraphs();
    const whoami = await startIdentityEchoSubgraph(IDENTITY_SECRET);
    gw = await startTestGateway(
      { JWT_SECRET, IDENTITY_SECRET, ALLOW_ANONYMOUS: 'true' },
      {},
      withSubgraphs(classic, whoami),
    );
  });
  afterAll(async () => {
    await gw.stop();
    await gw.subgraphs.stop();
  });

  it('never lets requests of different tenants, users or scopes share a fetch', async () => {
    const whoami = gw.subgraphs.all.find((s) => s.name === 'whoami')!;
    const callers = [
      { tenant: 'acme', user: 'u1', scopes: ['read'], token: await token('acme', 'u1') },
      { tenant: 'acme', user: 'u2', scopes: ['read'], token: await token('acme', 'u2') },
      { tenant: 'globex', user: 'u1', scopes: ['read'], token: await token('globex', 'u1') },
      { tenant: 'acme', user: 'u1', scopes: ['admin'], token: await token('acme', 'u1', 'admin') },
      { tenant: 'public', user: null, scopes: [], token: undefined },
    ];
    whoami.calls = 0;
    try {
      for (let round = 0; round < 10; round++) {
        whoami.delayMs = 20 + (round % 3) * 10;
        // Each caller twice: the pairs of one identity may share, no one else may.
        const answers = await Promise.all(
          [...callers, ...callers].map(async (c, k) => {
            await sleep(k % 3);
            const res = await gw.post(
              { query: '{ whoami { tenant user scopes } }' },
              c.token ? { authorization: `Bearer ${c.token}` } : {},
            );
            return { c, body: res.body };
          }),
        );
        for (const { c, body } of answers)
          expect(body).toEqual({ data: { whoami: { tenant: c.tenant, user: c.user, scopes: c.scopes } } });
      }
    } finally {
      whoami.delayMs = 0;
    }
    expect(whoami.calls).toBeGreaterThanOrEqual(10 * callers.length);
    expect(whoami.calls).toBeLessThan(10 * 2 * callers.length);
  });
});
