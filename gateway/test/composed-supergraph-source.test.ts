import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposedSupergraphSource } from '../src/supergraph/composed-supergraph-source.js';
import type { SupergraphEvent } from '../src/supergraph/supergraph-source.js';

const sdlWith = (fields: string) => `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { hello: String ${fields} }
  type Thing @key(fields: "id") { id: ID! }
`;

let sdl = sdlWith('');
let served = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    served++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { _service: { sdl } } }));
  });
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('ComposedSupergraphSource polling', () => {
  it('hands the gateway a new supergraph only when a subgraph SDL changed', async () => {
    const source = new ComposedSupergraphSource({ subgraphs: [{ name: 'things', url }], pollMs: 0 });
    const events: SupergraphEvent[] = [];
    source.onEvent((e) => events.push(e));
    const updates: string[] = [];
    const { supergraphSdl, cleanup } = await source.initialize({
      update: (s: string) => updates.push(s),
      healthCheck: async () => {},
      getDataSource: () => {
        throw new Error('unused');
      },
    } as never);
    expect(supergraphSdl).toContain('hello');

    const before = served;
    await source.refresh();
    expect(served).toBe(before + 1); // it did ask the subgraph
    expect(updates).toHaveLength(0); // unchanged SDL: nothing swapped

    sdl = sdlWith('world: Int');
    await source.refresh();
    expect(updates).toHaveLength(1);
    expect(updates[0]).toContain('world: Int');
    expect(events.filter((e) => e.kind === 'loaded')).toHaveLength(2);

    await source.refresh();
    expect(updates).toHaveLength(1);
    await cleanup();
  });
});
