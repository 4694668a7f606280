import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { TEST_IDENTITY_SECRET, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaffoldSubgraph } from '../../scripts/schema/create-subgraph.js';
import { diffSupergraphs, isAcknowledged } from '../src/schema/schema-diff.js';
import { loadSubgraphs } from '../src/schema/subgraph-catalog.js';
import { composeSupergraph } from '../src/supergraph/compose.js';
import { CLASSIC_SUBGRAPHS } from './fixtures/classic-subgraphs.js';
import { startTestGateway } from './fixtures/test-gateway.js';

// Scaffolds live under gateway/.scaffold (git-ignored) so the platform packages resolve from there.
const root = join(import.meta.dirname, '..', '.scaffold', randomUUID());
beforeAll(() => mkdirSync(join(root, 'subgraphs'), { recursive: true }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const products = {
  name: 'products',
  url: 'http://127.0.0.1:1/graphql',
  sdl: CLASSIC_SUBGRAPHS.products.typeDefs,
};

describe('pnpm create:subgraph', () => {
  it('refuses a bad name and an existing folder', () => {
    expect(() => scaffoldSubgraph({ name: 'Bad_Name', root })).toThrow(/not a valid subgraph name/);
    scaffoldSubgraph({ name: 'twice', root, port: 4999 });
    expect(() => scaffoldSubgraph({ name: 'twice', root })).toThrow(/already exists/);
    rmSync(join(root, 'subgraphs', 'twice'), { recursive: true });
  });

  it('scaffolds a subgraph that composes, runs on the platform runtime and serves through the gateway', async () => {
    const dir = scaffoldSubgraph({ name: 'field-notes', root, port: 4011 });
    const [scaffolded] = await loadSubgraphs(root);
    expect(scaffolded).toMatchObject({ name: 'field_notes', url: 'http://127.0.0.1:4011/graphql' });
    const mod = (await import(join(dir, 'src', 'index.ts'))) as {
      fieldNotesSubgraph: SubgraphDefinition<never>;
    };
    let running: RunningSubgraph | undefined;
    try {
      running = await startSubgraph(mod.fieldNotesSubgraph, testRuntimeConfig());
      const supergraph = composeSupergraph([{ ...scaffolded!, url: running.url }, products]);
      expect(supergraph).toContain('type FieldNotesNote');
      const supergraphPath = join(root, 'supergraph.graphql');
      writeFileSync(supergraphPath, supergraph);
      const jwtSecret = 's'.repeat(40);
      await using gw = await startTestGateway({
        SUPERGRAPH_PATH: supergraphPath,
        IDENTITY_SECRET: TEST_IDENTITY_SECRET,
        JWT_SECRET: jwtSecret,
      });
      const token = await new SignJWT({ tenant: 'acme' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('acme:u1')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(jwtSecret));
      const auth = { authorization: `Bearer ${token}` };
      const added = await gw.post(
        { query: 'mutation { addFieldNotesNote(text: "seen at the port") { text } }' },
        auth,
      );
      expect(added.body).toEqual({ data: { addFieldNotesNote: { text: 'seen at the port' } } });
      const listed = await gw.post({ query: '{ fieldNotesNotes { text } }' }, auth);
      expect(listed.body).toEqual({ data: { fieldNotesNotes: [{ text: 'seen at the port' }] } });
    } finally {
      await running?.stop();
    }
  }, 60_000);
});

describe('pnpm schema:check', () => {
  const accounts = (sdl: string) => ({ name: 'accounts', url: 'http://127.0.0.1:2/graphql', sdl });
  const base = CLASSIC_SUBGRAPHS.accounts.typeDefs;

  it('reports composition errors readably', () => {
    const clash = accounts(`${base}\n type Product @key(fields: "upc") { upc: String! name: Int }`);
    expect(() => composeSupergraph([clash, products])).toThrow(/Composition failed:[\s\S]*Product\.name/);
  });

  it('lists breaking changes (removed field, changed nullability) and honours acknowledgements', () => {
    const before = composeSupergraph([accounts(base), products]);
    const removed = base.replace(' username: String @shareable', '').replace('name: String', 'name: String!');
    const after = composeSupergraph([accounts(removed.replace('users: [User]', 'users: [User!]')), products]);
    const { breaking } = diffSupergraphs(before, after);
    expect(breaking.map((c) => c.type).sort()).toEqual(['FIELD_REMOVED']);
    expect(breaking[0]!.description).toBe('User.username was removed.');
    expect(isAcknowledged(breaking[0]!, ['FIELD_REMOVED: User.username was removed.'])).toBe(true);
    expect(isAcknowledged(breaking[0]!, [])).toBe(false);
    const nullable = composeSupergraph([
      accounts(base.replace('id: ID! name: String', 'id: ID! name: Int')),
      products,
    ]);
    expect(diffSupergraphs(before, nullable).breaking.map((c) => c.type)).toEqual(['FIELD_CHANGED_KIND']);
  });
});
