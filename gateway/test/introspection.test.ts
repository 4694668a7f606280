import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/graphql-js.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * Introspection is its own switch (INTROSPECTION; off by default under NODE_ENV=production) and
 * its own bounded rule (nesting of the recursive introspection lists), not the depth limit: the
 * standard introspection query of graphql-js, GraphiQL and codegen tools is served under the
 * default MAX_DEPTH of 12, while a query nesting `fields { type { fields … } }` is refused.
 */

const { buildClientSchema, getIntrospectionQuery } = graphqlJs;
const code = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.stop());

describe('introspection', () => {
  it.each([
    ['graphql-js defaults', {}],
    [
      'every option (GraphiQL, codegen)',
      {
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      },
    ],
  ])('serves the standard introspection query (%s) under the default limits', async (_, options) => {
    const res = await gw.post({ query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const schema = buildClientSchema(res.body.data);
    expect(schema.getQueryType()?.name).toBe('Query');
    expect(Object.keys(schema.getQueryType()!.getFields())).toContain('topProducts');
  });

  it('`isOneOf`, which graphql-js serves and the federation planner does not know, is a request error, not a 500', async () => {
    const json = await gw.post({ query: getIntrospectionQuery({ oneOf: true }) });
    expect(json.status).toBe(200);
    expect(json.body.data).toBeUndefined();
    expect(json.body.errors[0].message).toMatch(/isOneOf/);
    const gql = await gw.post(
      { query: getIntrospectionQuery({ oneOf: true }) },
      { accept: 'application/graphql-response+json' },
    );
    expect(gql.status).toBe(400);
  });

  it('still holds ordinary queries to MAX_DEPTH', async () => {
    const deep =
      '{ me { reviews { product { reviews { author { reviews { product { reviews { author { reviews { product { reviews { body } } } } } } } } } } } } }';
    const res = await gw.post({ query: deep });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('QUERY_TOO_DEEP');
  });

  it('refuses introspection lists nested past the limit, also through a fragment reused deeper', async () => {
    const nested = '{ __type(name: "Query") { fields { type { fields { type { fields { name } } } } } } }';
    const res = await gw.post({ query: nested });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'INTROSPECTION_TOO_DEEP',
      depth: 3,
      limit: 2,
    });
    const viaFragment = `{ __schema { types { ...T } } }
      fragment T on __Type { fields { type { ...U } } }
      fragment U on __Type { fields { type { ofType { fields { name } } } } }`;
    const frag = await gw.post({ query: viaFragment });
    expect(code(frag.body)).toBe('INTROSPECTION_TOO_DEEP');
    const two = await gw.post({ query: '{ __type(name: "Query") { fields { type { fields { name } } } } }' });
    expect(two.status).toBe(200);
    expect(two.body.errors).toBeUndefined();
  });

  it('INTROSPECTION_MAX_DEPTH moves the introspection bound', async () => {
    await using one = await startTestGateway({ INTROSPECTION_MAX_DEPTH: '1' });
    const two = await one.post({
      query: '{ __type(name: "Query") { fields { type { fields { name } } } } }',
    });
    expect(code(two.body)).toBe('INTROSPECTION_TOO_DEEP');
    expect((await one.post({ query: getIntrospectionQuery() })).status).toBe(200);
  });

  it('INTROSPECTION=false refuses __schema and __type (also in fragments) with 400 INTROSPECTION_DISABLED; __typename still works', async () => {
    await using off = await startTestGateway({ INTROSPECTION: 'false' });
    for (const query of [
      getIntrospectionQuery(),
      '{ __type(name: "Query") { name } }',
      '{ ...F } fragment F on Query { __schema { queryType { name } } }',
      '{ ... on Query { __type(name: "User") { name } } }',
    ]) {
      const res = await off.post({ query });
      expect([query, res.status]).toEqual([query, 400]);
      expect(code(res.body)).toBe('INTROSPECTION_DISABLED');
    }
    const typename = await off.post({ query: '{ __typename me { __typename id } }' });
    expect(typename.status).toBe(200);
    expect(typename.body.data).toEqual({ __typename: 'Query', me: { __typename: 'User', id: '1' } });
  });

  it('is off by default under NODE_ENV=production, on when INTROSPECTION=true says so', async () => {
    await using production = await startTestGateway({ NODE_ENV: 'production' });
    expect(code((await production.post({ query: '{ __schema { queryType { name } } }' })).body)).toBe(
      'INTROSPECTION_DISABLED',
    );
    await using allowed = await startTestGateway({ NODE_ENV: 'production', INTROSPECTION: 'true' });
    const res = await allowed.post({ query: '{ __schema { queryType { name } } }' });
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });
});
