import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHZ_JWT_SECRET, headersFor } from './fixtures/authz-identities.js';
import { type AuthzSubgraphs, startAuthzSubgraphs } from './fixtures/authz-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * Authorization under concurrency: callers of every kind — anonymous, authenticated without
 * scopes, with some scopes, with all — send the same operations at once (named and inline
 * fragments, unions, an interface, aliases, variables, an `_entities` fetch), with in-flight dedup
 * on. Each must get exactly what it gets when it is alone: the verdict cache is per identity
 * class and the response shaping per request, so no caller can receive another's answer.
 */

const identities = {
  anonymous: 'anonymous',
  reader: { user: 'reader', scopes: ['read'] },
  analyst: { user: 'analyst', scopes: ['read', 'reports', 'pii'] },
  admin: { user: 'admin', scopes: ['admin', 'pii'] },
  otherReader: { user: 'reader-2', scopes: ['read'] },
} as const;

const operations: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  inline: {
    query:
      '{ search { __typename ... on Document { id title secretNote } ... on Secret { id codename clearance } ... on Report { summary } } }',
  },
  named: {
    query: `query Named { search(first: 3) { ...Doc ...Sec ...Rep } }
      fragment Doc on Document { id owner { name email } }
      fragment Sec on Secret { codename }
      fragment Rep on Report { id summary }`,
  },
  aliases: {
    query:
      '{ a: document(id: "d1") { t: title n: secretNote o: owner { e: email } } b: search(first: 2) { ... on Secret { c: codename } } }',
  },
  interface: { query: '{ nodes { id } version }' },
  variables: {
    query: `query($n: Int = 4, $inc: Boolean = true) {
      search(first: $n) { ... on Document { related { ... on Report { summary } ... on Secret { codename } } } }
      adminStats @include(if: $inc)
    }`,
    variables: { n: 3 },
  },
  entities: { query: '{ secrets { id clearance } search(first: 2) { ... on Secret { clearance } } }' },
};

describe('authorization race', () => {
  let subgraphs: AuthzSubgraphs;
  let gw: TestGateway;
  beforeAll(async () => {
    subgraphs = await startAuthzSubgraphs();
    gw = await startTestGateway(
      { JWT_SECRET: AUTHZ_JWT_SECRET, ALLOW_ANONYMOUS: 'true', SUBGRAPH_DEDUP: 'true' },
      {},
      subgraphs,
    );
  });
  afterAll(async () => {
    await gw.stop();
    await subgraphs.stop();
  });

  it('gives each concurrent caller exactly what its identity gets alone', async () => {
    const headers = Object.fromEntries(
      await Promise.all(
        Object.entries(identities).map(async ([k, who]) => [k, await headersFor(who)] as const),
      ),
    );
    const send = (who: string, op: string) => gw.post(operations[op]!, headers[who]);

    // Alone, one at a time.
    const alone = new Map<string, unknown>();
    for (const who of Object.keys(identities))
      for (const op of Object.keys(operations)) alone.set(`${who}/${op}`, (await send(who, op)).body);
    // Sanity: the identities do see different things.
    expect(alone.get('anonymous/inline')).not.toEqual(alone.get('analyst/inline'));
    expect(alone.get('reader/aliases')).not.toEqual(alone.get('analyst/aliases'));
    expect(alone.get('reader/inline')).toEqual(alone.get('otherReader/inline'));

    const pairs = [...alone.keys()];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([...pairs, ...pairs, ...pairs], { minLength: pairs.length * 2 }),
        async (batch) => {
          const results = await Promise.all(
            batch.map(async (pair) => {
              const [who, op] = pair.split('/') as [string, string];
              return [pair, (await send(who, op)).body] as const;
            }),
          );
          for (const [pair, body] of results) expect([pair, body]).toEqual([pair, alone.get(pair)]);
        },
      ),
      { numRuns: 8 },
    );
  });
});
