import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHZ_JWT_SECRET, headersFor } from './fixtures/authz-identities.js';
import { type AuthzSubgraphs, startAuthzSubgraphs } from './fixtures/authz-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; coordinate?: string; requiredScopes?: string[][] };
}

const anonymous = 'anonymous' as const;
const reader = { user: 'reader', scopes: ['read'] };
const analyst = { user: 'analyst', scopes: ['read', 'reports', 'pii'] };

/** Path and code of each error, sorted, for order-independent comparison. */
const located = (errors: GraphQLErrorBody[] | undefined) =>
  (errors ?? [])
    .map((e) => `${(e.path ?? []).join('.')} ${e.extensions?.code} ${e.extensions?.coordinate}`)
    .sort();

describe('authorization on the operation as executed (AUTHORIZATION_MODE=filter, the default)', () => {
  let subgraphs: AuthzSubgraphs;
  let gw: TestGateway;
  const post = async (
    who: Parameters<typeof headersFor>[0],
    query: string,
    variables?: Record<string, unknown>,
  ) => gw.post({ query, variables }, await headersFor(who));

  beforeAll(async () => {
    subgraphs = await startAuthzSubgraphs();
    gw = await startTestGateway({ JWT_SECRET: AUTHZ_JWT_SECRET, ALLOW_ANONYMOUS: 'true' }, {}, subgraphs);
  });
  afterAll(async () => {
    await gw.stop();
    await subgraphs.stop();
  });

  it('does not serve a protected type reached through a union by an inline fragment, nor fetch it', async () => {
    subgraphs.resetCounts();
    const res = await post(
      anonymous,
      '{ search { __typename ... on Document { id title } ... on Secret { id codename clearance } } }',
    );
    expect(res.status).toBe(200);
    expect(res.body.data.search).toEqual([
      { __typename: 'Document', id: 'd1', title: 'Document 1' },
      null, // the Secret: its `id: ID!` is withheld, so the (nullable) item is null
      { __typename: 'Report' },
      { __typename: 'Document', id: 'd2', title: 'Document 2' },
    ]);
    // As execution would: the first withheld non-null field nulls the object; no further errors.
    expect(located(res.body.errors)).toEqual(['search.1.id UNAUTHENTICATED Secret']);
    expect(JSON.stringify(res.body)).not.toContain('NIGHTJAR');
    // Neither the Secret's own fields nor its `_entities` fetch to the vault are asked for.
    expect(subgraphs.library.bodies.join('\n')).not.toContain('codename');
    expect(subgraphs.vault.calls).toBe(0);
  });

  it('does not serve it through a named fragment on the type either', async () => {
    const res = await post(
      anonymous,
      '{ search { ...S ... on Document { id } } } fragment S on Secret { codename }',
    );
    expect(res.body.data.search).toEqual([{ id: 'd1' }, null, {}, { id: 'd2' }]);
    expect(located(res.body.errors)).toEqual(['search.1.codename UNAUTHENTICATED Secret']);
  });

  it('serves it to an authenticated caller, through the vault’s `_entities` fetch', async () => {
    subgraphs.resetCounts();
    const res = await post(reader, '{ search { ... on Secret { id codename clearance } } }');
    expect(res.body).toEqual({
      data: { search: [{}, { id: 's1', codename: 'NIGHTJAR', clearance: 5 }, {}, {}] },
    });
    expect(subgraphs.vault.bodies.join('\n')).toContain('_entities');
  });

  it('guards fields returning a protected type, through list and non-null wrappers', async () => {
    const one = await post(anonymous, '{ secret(id: "s1") { codename } version }');
    expect(one.body.data).toEqual({ secret: null, version: '1' });
    expect(located(one.body.errors)).toEqual(['secret UNAUTHENTICATED Secret']);
    // `secrets: [Secret!]!`: the null reaches the root, as a resolver error would.
    const list = await post(anonymous, '{ secrets { id } version }');
    expect(list.body.data).toBeNull();
    expect(located(list.body.errors)).toEqual(['secrets UNAUTHENTICATED Secret']);
  });

  it('guards an interface whose implementations are protected (composition puts their requirements on it)', async () => {
    subgraphs.resetCounts();
    const res = await post(reader, '{ nodes { id ... on Document { title } } version }');
    expect(res.body.data).toBeNull(); // `nodes: [Node!]!`
    expect(located(res.body.errors)).toEqual(['nodes FORBIDDEN Node']);
    expect(subgraphs.library.bodies.join('\n')).not.toContain('nodes');
    const admin = await post({ user: 'root', scopes: ['admin'] }, '{ nodes { id } }');
    expect(admin.body).toEqual({ data: { nodes: [{ id: 'd1' }, { id: 's1' }, { id: 'r1' }, { id: 'd2' }] } });
  });

  it('nulls protected fields of a visible object, with UNAUTHENTICATED or FORBIDDEN by identity', async () => {
    const q = '{ document(id: "d1") { title secretNote owner { name email } } }';
    const anon = await post(anonymous, q);
    expect(anon.body.data).toEqual({
      document: { title: 'Document 1', secretNote: null, owner: { name: 'Owner 1', email: null } },
    });
    expect(located(anon.body.errors)).toEqual([
      'document.owner.email UNAUTHENTICATED Person.email',
      'document.secretNote UNAUTHENTICATED Document.secretNote',
    ]);
    const read = await post(reader, q);
    expect(read.body.data.document.secretNote).toBe('note 1');
    expect(located(read.body.errors)).toEqual(['document.owner.email FORBIDDEN Person.email']);
    expect(read.body.errors[0].extensions.requiredScopes).toEqual([['pii']]);
    expect(await post(analyst, q).then((r) => r.body)).toEqual({
      data: {
        document: {
          title: 'Document 1',
          secretNote: 'note 1',
          owner: { name: 'Owner 1', email: 'owner1@example.com' },
        },
      },
    });
  });

  it('keeps aliases apart and reports errors at the aliased paths', async () => {
    const res = await post(
      anonymous,
      '{ a: search(first: 2) { ... on Secret { codename } } b: document(id: "d2") { t: title n: secretNote } }',
    );
    expect(res.body.data).toEqual({ a: [{}, null], b: { t: 'Document 2', n: null } });
    expect(located(res.body.errors)).toEqual([
      'a.1.codename UNAUTHENTICATED Secret',
      'b.n UNAUTHENTICATED Document.secretNote',
    ]);
  });

  it('judges each scope set: @requiresScopes on a union member', async () => {
    const q = '{ search { ... on Report { summary } } }';
    const denied = await post(reader, q);
    expect(denied.body.data.search[2]).toEqual({ summary: null });
    expect(located(denied.body.errors)).toEqual(['search.2.summary FORBIDDEN Report']);
    expect((await post(analyst, q)).body).toEqual({
      data: { search: [{}, {}, { summary: 'Quarterly' }, {}] },
    });
  });

  it('answers an operation whose every field is withheld without calling a subgraph', async () => {
    subgraphs.resetCounts();
    const res = await post(reader, '{ adminStats }');
    expect(res.body).toMatchObject({ data: { adminStats: null } });
    expect(located(res.body.errors)).toEqual(['adminStats FORBIDDEN Query.adminStats']);
    expect(subgraphs.totalCalls()).toBe(0);
  });

  it('drops variables only the withheld part used, and honours @include/@skip', async () => {
    const res = await post(anonymous, 'query($id: ID!) { secret(id: $id) { codename } version }', {
      id: 's1',
    });
    expect(res.body.data).toEqual({ secret: null, version: '1' });
    const q = 'query($show: Boolean!) { document(id: "d1") { title secretNote @include(if: $show) } }';
    expect((await post(anonymous, q, { show: false })).body).toEqual({
      data: { document: { title: 'Document 1' } },
    });
    expect(located((await post(anonymous, q, { show: true })).body.errors)).toEqual([
      'document.secretNote UNAUTHENTICATED Document.secretNote',
    ]);
  });

  it('propagates a withheld non-null field to the nearest nullable parent', async () => {
    // related: [SearchResult!]! — a Secret among them nulls `related`, and so `document` (nullable).
    const res = await post(
      anonymous,
      '{ document(id: "d1") { related { ... on Secret { codename } } } version }',
    );
    expect(res.body.data).toEqual({ document: null, version: '1' });
    expect(located(res.body.errors)).toEqual(['document.related.0.codename UNAUTHENTICATED Secret']);
  });
});

describe('AUTHORIZATION_MODE=reject', () => {
  let subgraphs: AuthzSubgraphs;
  let gw: TestGateway;
  beforeAll(async () => {
    subgraphs = await startAuthzSubgraphs();
    gw = await startTestGateway(
      { JWT_SECRET: AUTHZ_JWT_SECRET, ALLOW_ANONYMOUS: 'true', AUTHORIZATION_MODE: 'reject' },
      {},
      subgraphs,
    );
  });
  afterAll(async () => {
    await gw.stop();
    await subgraphs.stop();
  });

  it('refuses the whole operation, naming what the caller may not see', async () => {
    const q = '{ search { ... on Document { id } ...S } } fragment S on Secret { codename }';
    const anon = await gw.post({ query: q });
    expect(anon.status).toBe(401);
    expect(anon.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', coordinate: 'Secret' });
    const forbidden = await gw.post({ query: '{ adminStats }' }, await headersFor(reader));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errors[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      coordinate: 'Query.adminStats',
      requiredScopes: [['admin']],
    });
    expect((await gw.post({ query: q }, await headersFor(reader))).status).toBe(200);
  });
});
