import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseMediaType } from '../src/http/media-type.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    MAX_BODY_BYTES: '2048',
    MAX_DEPTH: '6',
    MAX_ALIASES: '5',
    MAX_TOKENS: '400',
  });
});
afterAll(() => gw.stop());

const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

describe('bad input is refused with a 4xx and a code, never a 500', () => {
  it('malformed JSON → 400 BAD_REQUEST_BODY', async () => {
    const res = await gw.post('{"query": "{ me { id } }"');
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('BAD_REQUEST_BODY');
  });

  it('a JSON body that is not an object, or with a non-string query → 400', async () => {
    expect(code((await gw.post('"hello"')).body)).toBe('BAD_REQUEST_BODY');
    expect(code((await gw.post({ query: 42 })).body)).toBe('BAD_REQUEST_BODY');
    expect(code((await gw.post({ query: '{ me { id } }', variables: [1] })).body)).toBe('BAD_REQUEST_BODY');
  });

  it('a batch (JSON array) → 400 BATCH_NOT_SUPPORTED', async () => {
    const res = await gw.post([{ query: '{ me { id } }' }]);
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('BATCH_NOT_SUPPORTED');
  });

  it('wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await gw.post('query=%7Bme%7Bid%7D%7D', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(code(res.body)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a method other than GET/POST → 405 with Allow', async () => {
    const res = await fetch(gw.url, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(code((await res.json()) as never)).toBe('METHOD_NOT_ALLOWED');
  });

  it('a mutation over GET → 405, the same over POST runs', async () => {
    const mutation = 'mutation { addReview(upc: "1", body: "ok") { id body } }';
    const get = await gw.get(`query=${encodeURIComponent(mutation)}`);
    expect(get.status).toBe(405);
    expect(code(get.body)).toBe('METHOD_NOT_ALLOWED');
    const post = await gw.post({ query: mutation });
    expect(post.body.errors).toBeUndefined();
    expect(post.status).toBe(200);
    expect(post.body.data.addReview.body).toBe('ok');
  });

  it('a query over GET runs', async () => {
    const res = await gw.get(`query=${encodeURIComponent('{ me { id } }')}`);
    expect(res.status).toBe(200);
    expect(res.body.data.me.id).toBe('1');
  });

  it('GET with variables that are not JSON → 400', async () => {
    const res = await gw.get(`query=${encodeURIComponent('{ me { id } }')}&variables=%7Bnope`);
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('BAD_REQUEST_BODY');
  });

  it('an oversize body → 413 BODY_TOO_LARGE, with or without Content-Length', async () => {
    const big = JSON.stringify({ query: `{ me { id } }${' '.repeat(5000)}` });
    const res = await gw.post(big);
    expect(res.status).toBe(413);
    expect(code(res.body)).toBe('BODY_TOO_LARGE');
    const chunked = await request(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(Array.from({ length: 10 }, () => Buffer.alloc(1024, 32))),
    });
    expect(chunked.statusCode).toBe(413);
    expect(code((await chunked.body.json()) as never)).toBe('BODY_TOO_LARGE');
  });

  it('no query → 400 QUERY_MISSING; bad syntax → QUERY_PARSE_FAILED (200 as application/json, 400 as application/graphql-response+json)', async () => {
    expect(code((await gw.post({})).body)).toBe('QUERY_MISSING');
    // GraphQL over HTTP: a document error in a well-formed request is 200 with application/json.
    const res = await gw.post({ query: '{ me { id ' });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(code(res.body)).toBe('QUERY_PARSE_FAILED');
    const gql = await gw.post({ query: '{ me { id ' }, { accept: 'application/graphql-response+json' });
    expect(gql.status).toBe(400);
    expect(code(gql.body)).toBe('QUERY_PARSE_FAILED');
  });

  it('a depth bomb → 400 QUERY_TOO_DEEP with the figures', async () => {
    const deep = '{ me { reviews { product { reviews { author { reviews { product { name } } } } } } } }';
    const res = await gw.post({ query: deep });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 8, limit: 6 });
  });

  it('an alias bomb → 400 QUERY_TOO_MANY_ALIASES', async () => {
    const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: me { id }`).join(' ');
    const res = await gw.post({ query: `{ ${aliases} }` });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('QUERY_TOO_MANY_ALIASES');
  });

  it('too many tokens → 400 QUERY_TOO_MANY_TOKENS', async () => {
    const res = await gw.post({ query: `{ me { ${'id '.repeat(500)} } }` });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('QUERY_TOO_MANY_TOKENS');
  });

  it('a fragment cycle → 400 FRAGMENT_CYCLE, without hanging', async () => {
    const query = 'query { me { ...A } } fragment A on User { id ...B } fragment B on User { name ...A }';
    const res = await gw.post({ query });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'FRAGMENT_CYCLE' });
  });

  it('an unknown persisted-query hash → 400 PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await gw.post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('an unknown field → GRAPHQL_VALIDATION_FAILED, not a 500 (200 as application/json, 400 as application/graphql-response+json)', async () => {
    const res = await gw.post({ query: '{ nope }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(code(res.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    const gql = await gw.post({ query: '{ nope }' }, { accept: 'application/graphql-response+json' });
    expect(gql.status).toBe(400);
  });

  it('an unknown path → 404 ROUTE_NOT_FOUND', async () => {
    const res = await fetch(`${gw.origin}/nope`);
    expect(res.status).toBe(404);
    expect(code((await res.json()) as never)).toBe('ROUTE_NOT_FOUND');
  });

  it('forged identity headers never reach a subgraph', async () => {
    const accounts = gw.subgraphs.get('accounts');
    const res = await gw.post(
      { query: '{ me { id } }' },
      { 'x-intelgraph-identity': 'v1.forged.mac', 'x-tenant-id': 'other-tenant' },
    );
    expect(res.status).toBe(200);
    expect(accounts.lastHeaders?.['x-tenant-id']).toBeUndefined();
    expect(accounts.lastHeaders?.['x-intelgraph-identity']).not.toBe('v1.forged.mac');
  });

  it('a stream of bad requests leaves the gateway serving', async () => {
    const bad = [
      '{',
      '[]',
      '"x"',
      JSON.stringify({
        query: '{ a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } f: me { id } }',
      }),
    ];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => gw.post(bad[i % bad.length]!)));
    expect(results.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    const ok = await gw.post({ query: '{ me { id } }' });
    expect(ok.body.data.me.id).toBe('1');
  });
});

describe('GraphQL over HTTP media types', () => {
  const GQL = 'application/graphql-response+json';
  it('answers application/graphql-response+json when the client accepts it: data, validation errors and refusals', async () => {
    const ok = await gw.post({ query: '{ topProducts(first: 1) { upc } }' }, { accept: GQL });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(ok.body.data.topProducts).toHaveLength(1);
    const invalid = await gw.post({ query: '{ nope }' }, { accept: GQL });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(code(invalid.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    const malformed = await gw.post('{"query": ', { accept: `${GQL}, application/json;q=0.9` });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(code(malformed.body)).toBe('BAD_REQUEST_BODY');
  });

  it('answers application/json without an Accept header, or when the client prefers it', async () => {
    expect(
      (await gw.post({ query: '{ topProducts(first: 1) { upc } }' })).headers.get('content-type'),
    ).toMatch(/^application\/json/);
    const preferred = await gw.post('{"query": ', { accept: `application/json, ${GQL};q=0.5` });
    expect(preferred.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a request that accepts neither JSON type with 406 and a code', async () => {
    const res = await gw.post({ query: '{ topProducts(first: 1) { upc } }' }, { accept: 'text/html' });
    expect(res.status).toBe(406);
    expect(res.body.errors?.[0]?.message).toBeDefined();
    expect(code(res.body)).toBeDefined();
  });

  it('negotiates like GraphQL over HTTP: q values, wildcards, ties by order, json by default', () => {
    expect(responseMediaType(undefined)).toBe('application/json');
    expect(responseMediaType('text/html')).toBe('application/json');
    expect(responseMediaType('*/*')).toBe('application/json');
    expect(responseMediaType(`application/json, ${GQL}`)).toBe('application/json');
    expect(responseMediaType(`${GQL}, application/json`)).toBe(GQL);
    expect(responseMediaType(`application/json;q=0.5, application/*`)).toBe(GQL);
    expect(responseMediaType(`${GQL};q=0, */*`)).toBe('application/json');
  });
});
