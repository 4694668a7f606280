import { TestSubgraph } from '@intelgraph/subgraph-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __camel__Subgraph } from '../src/index.js';

// Runs on embedded PGlite shards: no service needed. For real PostgreSQL shards too, run the suite
// over `describe.each(TEST_BACKENDS)` with `{ backend }` (see subgraphs/accounts/test).
describe('__name__ subgraph', () => {
  const subgraph = new TestSubgraph(__camel__Subgraph, { backend: 'embedded PGlite' });
  const gql = subgraph.request;
  beforeAll(() => subgraph.start(), 60_000);
  afterAll(() => subgraph.stop());

  it('adds a note for the caller’s tenant and lists it back, and no other tenant sees it', async () => {
    const acme = { tenantId: 'acme', userId: 'acme:u1' };
    const added = await gql('mutation { add__Name__Note(text: "hello") { id text } }', acme);
    expect(added.errors).toBeUndefined();
    const list = await gql('{ __camel__Notes { text } }', acme);
    expect(list.data).toEqual({ __camel__Notes: [{ text: 'hello' }] });
    const other = await gql('{ __camel__Notes { text } }', { tenantId: 'globex' });
    expect(other.data).toEqual({ __camel__Notes: [] });
  });

  it('edits a note, and publishes each change with the cache tags it invalidates', async () => {
    const acme = { tenantId: 'acme', userId: 'acme:u2' };
    const published: Array<{ aggregateId: string; eventType: string; metadata: { invalidates: string[] } }> =
      [];
    await subgraph.running.services.transport.subscribe('cache-invalidation', (m) => {
      published.push(m.payload as (typeof published)[number]);
    });
    const added = await gql('mutation { add__Name__Note(text: "draft") { id } }', acme);
    const id = (added.data as { add__Name__Note: { id: string } }).add__Name__Note.id;
    const edited = await gql(`mutation { edit__Name__Note(id: "${id}", text: "final") { id text } }`, acme);
    expect(edited.data).toEqual({ edit__Name__Note: { id, text: 'final' } });
    const foreign = await gql(`mutation { edit__Name__Note(id: "${id}", text: "x") { id } }`, {
      tenantId: 'globex',
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const mine = () => published.filter((p) => p.aggregateId === id);
    const deadline = Date.now() + 10_000;
    while (mine().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(mine().map((p) => [p.eventType, p.metadata.invalidates])).toEqual([
      ['NoteAdded', [`__Name__Note:${id}`, '__Name__Note@acme', '__Name__Note@*']],
      ['NoteEdited', [`__Name__Note:${id}`]],
    ]);
  });

  it('refuses a request without the gateway’s signed identity', async () => {
    const res = await gql('{ __camel__Notes { text } }', null);
    expect(res.status).toBe(401);
  });
});
