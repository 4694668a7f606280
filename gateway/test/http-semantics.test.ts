import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@intelgraph/telemetry';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/graphql-js.js';
import {
  FEDERATION_LINK,
  type GatewayOver,
  type ScriptedSubgraph,
  startGatewayOver,
  startScriptedSubgraph,
} from './fixtures/scripted-subgraph.js';
import { startTestGateway } from './fixtures/test-gateway.js';

/*
 * HTTP as GraphQL over HTTP and browsers expect it: 200 whenever the response has `data`, 4xx
 * with a code for what the client got wrong (never a 5xx), CORS, WWW-Authenticate on 401, and a
 * SHUTTING_DOWN 503 that closes the connection during drain.
 */

const { GraphQLError } = graphqlJs;
const GQL = 'application/graphql-response+json';
const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

/** A pino destination keeping every line, to check what a request logged and at which level. */
function captureLog() {
  const lines: { level: string; msg: string; code?: string; status?: number }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ service: 'gateway', level: 'debug', destination }) };
}

const CATALOG_SDL = `${FEDERATION_LINK}
  type Query {
    item(id: ID!): Item
    status: String
    closed: String
    secret: String
    invalid: String
    required: String!
  }
  type Subscription { itemAdded: Item }
  type Item @key(fields: "id") { id: ID! name: String }`;

const fail = (message: string, code: string, status: number) => () => {
  throw new GraphQLError(message, { extensions: { code, http: { status } } });
};

let catalog: ScriptedSubgraph;
let gw: GatewayOver;
const logged = captureLog();
beforeAll(async () => {
  catalog = await startScriptedSubgraph('catalog', CATALOG_SDL, {
    Query: {
      item: (_: unknown, { id }: { id: string }) => {
        if (id === 'missing') fail(`Item ${id} not found`, 'NOT_FOUND', 404)();
        return { id, name: `Item ${id}` };
      },
      status: () => 'ok',
      closed: fail('Investigation is closed', 'INVESTIGATION_CLOSED', 409),
      secret: fail('Missing scope', 'FORBIDDEN', 403),
      invalid: fail('Bad page size', 'BAD_USER_INPUT', 400),
      required: fail('Gone', 'NOT_FOUND', 404),
    },
    Subscription: { itemAdded: () => null },
  });
  gw = await startGatewayOver([catalog], { PORT: '0' }, { log: logged.log });
});
afterAll(async () => {
  await gw?.stop();
  await catalog?.stop();
});

describe('a response with data is a 200', () => {
  it.each([
    ['a NOT_FOUND (404)', 'missing: item(id: "missing") { id }'],
    ['a 409', 'closed'],
    ['a FORBIDDEN (403)', 'secret'],
    ['a BAD_USER_INPUT (400)', 'invalid'],
  ])('%s of one field next to other fields’ data: 200 with both, in either media type', async (_, field) => {
    for (const accept of ['application/json', GQL]) {
      const res = await gw.post({ query: `{ status ok: item(id: "1") { name } ${field} }` }, { accept });
      expect([accept, res.status]).toEqual([accept, 200]);
      expect(res.body.data).toMatchObject({ status: 'ok', ok: { name: 'Item 1' } });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].extensions.http).toBeUndefined();
    }
  });

  it('data null (a non-null root field failed) is still a GraphQL response: 200', async () => {
    for (const accept of ['application/json', GQL]) {
      const res = await gw.post({ query: '{ required }' }, { accept });
      expect([accept, res.status]).toEqual([accept, 200]);
      expect(res.body.data).toBeNull();
      expect(code(res.body)).toBe('NOT_FOUND');
    }
  });
});

describe('document errors by media type (GraphQL over HTTP)', () => {
  it('a syntax error: 200 for application/json, 400 for application/graphql-response+json; locations at the top level', async () => {
    const json = await gw.post({ query: '{ status ' });
    expect(json.status).toBe(200);
    expect(json.body.data).toBeUndefined();
    expect(json.body.errors[0]).toMatchObject({
      locations: [{ line: 1, column: 10 }],
      extensions: { code: 'QUERY_PARSE_FAILED' },
    });
    expect(json.body.errors[0].extensions.locations).toBeUndefined();
    const gql = await gw.post({ query: '{ status ' }, { accept: GQL });
    expect(gql.status).toBe(400);
    expect(gql.body.errors[0].locations).toEqual([{ line: 1, column: 10 }]);
  });

  it('a validation error: 200 for application/json, 400 for application/graphql-response+json', async () => {
    expect((await gw.post({ query: '{ nope }' })).status).toBe(200);
    const gql = await gw.post({ query: '{ nope }' }, { accept: GQL });
    expect(gql.status).toBe(400);
    expect(code(gql.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(gql.body.data).toBeUndefined();
  });
});

describe('client mistakes are 4xx with a code, never 5xx, and not logged as errors', () => {
  it('several operations and no operationName → 400 OPERATION_NAME_REQUIRED', async () => {
    const res = await gw.post({ query: 'query A { status } query B { status }' });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('OPERATION_NAME_REQUIRED');
  });

  it('an operationName the document does not define → 400 OPERATION_NOT_FOUND', async () => {
    for (const query of ['query A { status } query B { status }', 'query A { status }', '{ status }']) {
      const res = await gw.post({ query, operationName: 'C' });
      expect([query, res.status]).toEqual([query, 400]);
      expect(code(res.body)).toBe('OPERATION_NOT_FOUND');
      expect(res.body.errors[0].extensions.operationName).toBe('C');
    }
    const ok = await gw.post({ query: 'query A { status } query B { status }', operationName: 'B' });
    expect(ok.status).toBe(200);
    expect(ok.body.data.status).toBe('ok');
  });

  it('a subscription over plain HTTP → 400 SUBSCRIPTION_NOT_SUPPORTED (POST and GET)', async () => {
    const post = await gw.post({ query: 'subscription { itemAdded { id } }' });
    expect(post.status).toBe(400);
    expect(code(post.body)).toBe('SUBSCRIPTION_NOT_SUPPORTED');
    const get = await fetch(`${gw.url}?query=${encodeURIComponent('subscription { itemAdded { id } }')}`);
    expect(get.status).toBe(400);
    expect(code((await get.json()) as never)).toBe('SUBSCRIPTION_NOT_SUPPORTED');
  });

  it('none of them was logged at error level', () => {
    expect(logged.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string, headers = 'content-type, authorization') =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': headers,
      },
    });

  it('answers a preflight from an allowed origin with 204, the methods and the headers a GraphQL client sends', async () => {
    await using cors = await startTestGateway({
      CORS_ORIGINS: 'https://app.example.com,http://localhost:*',
    });
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const res = await preflight(cors.url, origin);
      expect([origin, res.status]).toEqual([origin, 204]);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/GET.*POST/);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight', 'x-request-id']),
      );
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/origin/i);
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    }
    // Another origin (or a look-alike) gets no CORS headers, so the browser refuses.
    for (const origin of [
      'https://evil.example.com',
      'https://app.example.com.evil.io',
      'http://localhost.evil.io',
    ]) {
      const res = await preflight(cors.url, origin);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    // The actual request: the origin allowed, x-request-id readable by the page.
    const res = await fetch(cors.url, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    // Refusals carry the CORS headers too, or the page could not read their code.
    const refused = await fetch(cors.url, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
      body: '{',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('`*` allows any origin without credentials; credentials echo the origin', async () => {
    await using any = await startTestGateway({ CORS_ORIGINS: '*' });
    const res = await preflight(any.url, 'https://anywhere.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    await using creds = await startTestGateway({
      CORS_ORIGINS: 'https://app.example.com',
      CORS_CREDENTIALS: 'true',
    });
    const c = await preflight(creds.url, 'https://app.example.com');
    expect(c.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(c.headers.get('access-control-allow-credentials')).toBe('true');
    await expect(startTestGateway({ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'CORS_CREDENTIALS' },
    });
  });

  it('without CORS_ORIGINS a preflight is answered (204, Allow) but grants no origin', async () => {
    const res = await preflight(gw.url, 'https://app.example.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toMatch(/POST/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('401 carries WWW-Authenticate', () => {
  it('Bearer for a missing token, with error="invalid_token" for a bad one', async () => {
    const secret = 's'.repeat(40);
    await using auth = await startTestGateway({ JWT_SECRET: secret });
    const none = await auth.post({ query: '{ me { id } }' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
    const expired = await new SignJWT({ tenant: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(secret));
    const bad = await auth.post({ query: '{ me { id } }' }, { authorization: `Bearer ${expired}` });
    expect(bad.status).toBe(401);
    expect(code(bad.body)).toBe('INVALID_TOKEN');
    expect(bad.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]*expired[^"]*"$/,
    );
  });
});

describe('drain', () => {
  it('a request arriving while the gateway drains gets 503 SHUTTING_DOWN with Connection: close, logged as a warning', async () => {
    const drainLog = captureLog();
    const gateway = await startTestGateway({ DRAIN_TIMEOUT_MS: '5000' }, { log: drainLog.log });
    const reviews = gateway.subgraphs.get('reviews');
    reviews.delayMs = 400;
    const { hostname, port } = new URL(gateway.url);
    const socket = connect(Number(port), hostname);
    let raw = '';
    socket.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const request = (query: string) => {
      const body = JSON.stringify({ query });
      return `POST /graphql HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    // One slow request in flight on a keep-alive connection …
    const calls = reviews.calls;
    socket.write(request('{ topProducts(first: 1) { reviews { body } } }'));
    while (reviews.calls === calls) await new Promise((r) => setTimeout(r, 10));
    // … the gateway starts draining, and a second request arrives on the same connection.
    const stopped = gateway.stop();
    socket.write(request('{ topProducts(first: 1) { upc } }'));
    await closed;
    await stopped;
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(responses[1]).toContain('"SHUTTING_DOWN"');
    const line = drainLog.lines.find((l) => l.code === 'SHUTTING_DOWN');
    expect(line?.level).toBe('warn');
    expect(drainLog.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
