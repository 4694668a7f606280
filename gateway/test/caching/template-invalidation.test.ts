import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadConfig } from '@intelgraph/config';
import { InProcessTransport } from '@intelgraph/message-queue-enhanced';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { TEST_IDENTITY_SECRET, testRuntimeConfig } from '@intelgraph/subgraph-runtime/testing';
import { createLogger } from '@intelgraph/telemetry';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaffoldSubgraph } from '../../../scripts/schema/create-subgraph.js';
import { buildGateway } from '../../src/build-gateway.js';
import { configSpec } from '../../src/config.js';
import type { Gateway } from '../../src/gateway-server.js';
import { graphqlJs } from '../../src/graphql-js.js';
import { loadSubgraphs } from '../../src/schema/subgraph-catalog.js';
import { composeSupergraph } from '../../src/supergraph/compose.js';

/*
 * A new event-sourced aggregate is invalidated end to end without any gateway change: the
 * subgraph `pnpm create:subgraph` scaffolds (its notes are event-sourced, each write declaring its
 * tags) behind the gateway as configured by default — response and entity caches on, the
 * invalidation consumer on its default topic — over one in-process transport, as `pnpm start`
 * runs them. A `pinboard` subgraph refers to notes, so the gateway fetches their text through
 * `_entities` and keeps it in its entity cache. Nothing in the gateway knows the notes' type,
 * topic, aggregate or event names; well within the notes' 60 s max-age, an edit and an addition
 * are visible through both caches, so the event purged them.
 */

// Scaffolds live under gateway/.scaffold (git-ignored) so the platform packages resolve from there.
const root = join(import.meta.dirname, '..', '..', '.scaffold', randomUUID());
const JWT_SECRET = 'j'.repeat(40);
const transport = new InProcessTransport({ defaultGroup: 'platform', declareGroupsOnPublish: [] });
let notes: RunningSubgraph;
let pinboard: { url: string; stop: () => Promise<void> };
let gateway: Gateway;
let auth: Record<string, string>;

beforeAll(async () => {
  mkdirSync(join(root, 'subgraphs'), { recursive: true });
  const dir = scaffoldSubgraph({ name: 'field-notes', root, port: 4012 });
  const [scaffolded] = await loadSubgraphs(root);
  const mod = (await import(join(dir, 'src', 'index.ts'))) as {
    fieldNotesSubgraph: SubgraphDefinition<never>;
  };
  notes = await startSubgraph(mod.fieldNotesSubgraph, testRuntimeConfig(), { transport });

  const pinboardSdl = /* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type FieldNotesNote @key(fields: "id", resolvable: false) { id: ID! }
    type Query { pinned(ids: [ID!]!): [FieldNotesNote!]! }
  `;
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: graphqlJs.parse(pinboardSdl),
      resolvers: { Query: { pinned: (_: unknown, a: { ids: string[] }) => a.ids.map((id) => ({ id })) } },
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  pinboard = { url, stop: () => server.stop() };

  writeFileSync(
    join(root, 'supergraph.graphql'),
    composeSupergraph([
      { ...scaffolded!, url: notes.url },
      { name: 'pinboard', url, sdl: pinboardSdl },
    ]),
  );
  const config = loadConfig(configSpec, {
    LOG_LEVEL: 'silent',
    SUPERGRAPH_PATH: join(root, 'supergraph.graphql'),
    IDENTITY_SECRET: TEST_IDENTITY_SECRET,
    JWT_SECRET,
    CACHE_RESPONSES: 'true',
    CACHE_ENTITIES: 'true',
  });
  gateway = await buildGateway(config, {
    log: createLogger({ service: 'gateway', level: 'silent' }),
    cacheEvents: transport,
  });
  await gateway.start(0, '127.0.0.1');
  const token = await new SignJWT({ tenant: 'acme', scope: 'read write' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('acme:u1')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  auth = { authorization: `Bearer ${token}` };
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await pinboard?.stop();
  await notes?.stop();
  await transport.close();
  rmSync(root, { recursive: true, force: true });
});

async function post(query: string): Promise<{ age: string | null; data: Record<string, unknown> }> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data: Record<string, unknown>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return { age: res.headers.get('age'), data: body.data };
}

/** `_entities` fetches that reached the notes subgraph (its own cache aside: HTTP requests). */
async function notesRequests(): Promise<number> {
  const metric = await notes.services.registry
    .getSingleMetric('intelgraph_subgraph_http_requests_total')
    ?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe('a new event-sourced aggregate, invalidated end to end with no gateway change', () => {
  it('purges the entity cache and the response cache on an edit, and cached lists on an addition', async () => {
    const added = await post('mutation { addFieldNotesNote(text: "first") { id } }');
    const id = (added.data.addFieldNotesNote as { id: string }).id;
    const pinned = (alias: string) => `{ ${alias}: pinned(ids: ["${id}"]) { id text } }`;

    // The note's text comes through _entities, then from the entity cache (each alias is a new
    // operation, so the response cache cannot answer it).
    expect((await post(pinned('a'))).data).toEqual({ a: [{ id, text: 'first' }] });
    const before = await notesRequests();
    expect((await post(pinned('b'))).data).toEqual({ b: [{ id, text: 'first' }] });
    expect(await notesRequests()).toBe(before);

    // A root list, answered by the response cache the second time.
    const LIST = '{ fieldNotesNotes { id text } }';
    expect((await post(LIST)).data).toEqual({ fieldNotesNotes: [{ id, text: 'first' }] });
    expect((await post(LIST)).age).not.toBeNull();

    await post(`mutation { editFieldNotesNote(id: "${id}", text: "second") { id } }`);
    let n = 0;
    const entity = await eventually(
      () => post(pinned(`c${n++}`)),
      (r) => JSON.stringify(r.data).includes('second'),
    );
    expect(Object.values(entity.data)[0]).toEqual([{ id, text: 'second' }]);
    const list = await eventually(
      () => post(LIST),
      (r) => JSON.stringify(r.data).includes('second'),
    );
    expect(list.data).toEqual({ fieldNotesNotes: [{ id, text: 'second' }] });

    // A new note changes the tenant's set of notes: the cached list goes too. (The list is cached
    // again first; a response naming an entity invalidated less than 1 s before it was fetched
    // is not stored, see the gateway README.)
    expect(
      (
        await eventually(
          () => post(LIST),
          (r) => r.age !== null,
        )
      ).age,
    ).not.toBeNull();
    await post('mutation { addFieldNotesNote(text: "another") { id } }');
    const longer = await eventually(
      () => post(LIST),
      (r) => (r.data.fieldNotesNotes as unknown[]).length === 2,
    );
    expect((longer.data.fieldNotesNotes as Array<{ text: string }>).map((x) => x.text)).toEqual([
      'another',
      'second',
    ]);
  }, 60_000);
});
