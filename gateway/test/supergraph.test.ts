import { writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../src/supergraph/compose.js';
import { CLASSIC_QUERY, type ClassicSubgraphs, startClassicSubgraphs } from './fixtures/classic-subgraphs.js';
import { startTestGateway } from './fixtures/test-gateway.js';

let subgraphs: ClassicSubgraphs;
beforeAll(async () => {
  subgraphs = await startClassicSubgraphs();
});
afterAll(() => subgraphs.stop());

const sdlOf = (names: string[]) =>
  composeSupergraph(
    subgraphs.all
      .filter((s) => names.includes(s.name))
      .map((s) => ({ name: s.name, url: s.url, sdl: s.sdl })),
  );

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('supergraph from a file', () => {
  it('hot-reloads a changed file and keeps the last good supergraph when the file is bad', async () => {
    await using gw = await startTestGateway({ SUPERGRAPH_POLL_MS: '200' }, {}, subgraphs);
    expect(gw.gateway.runtime.schema()?.getType('Review')).toBeDefined();

    writeFileSync(gw.supergraphPath, sdlOf(['accounts', 'products', 'inventory']));
    await until(() => gw.gateway.runtime.schema()?.getType('Review') === undefined, 'reload without reviews');
    const res = await gw.post({ query: '{ topProducts { upc reviews { id } } }' });
    expect(res.status).toBe(400);

    writeFileSync(gw.supergraphPath, 'this is not a supergraph');
    await until(
      async () =>
        /gateway_supergraph_updates_total\{result="failed"[^}]*\} 1/.test(
          await (await fetch(`${gw.origin}/metrics`)).text(),
        ),
      'failure counted',
    );
    const still = await gw.post({ query: '{ topProducts(first: 1) { upc inStock } }' });
    expect(still.body).toEqual({ data: { topProducts: [{ upc: '1', inStock: true }] } });
    expect((await fetch(`${gw.origin}/ready`)).status).toBe(200);
  });

  it('serves every request while the supergraph is swapped under load', async () => {
    await using gw = await startTestGateway({ SUPERGRAPH_POLL_MS: '100' }, {}, subgraphs);
    const full = sdlOf(['accounts', 'products', 'inventory', 'reviews']);
    let swapping = true;
    const swaps = (async () => {
      for (let i = 0; i < 6; i++) {
        // Alternate two equivalent supergraphs that differ in text, so each write is a real swap.
        const tmp = `${gw.supergraphPath}.tmp`;
        writeFileSync(tmp, i % 2 === 0 ? `${full}\n# v${i}\n` : full);
        await rename(tmp, gw.supergraphPath);
        await new Promise((r) => setTimeout(r, 150));
      }
      swapping = false;
    })();
    const failures: unknown[] = [];
    let served = 0;
    const worker = async () => {
      while (swapping) {
        const res = await gw.post({ query: CLASSIC_QUERY });
        served++;
        if (res.status !== 200 || res.body.errors) failures.push(res.body);
      }
    };
    await Promise.all([swaps, worker(), worker(), worker(), worker()]);
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(4);
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(
      Number(/gateway_supergraph_updates_total\{result="loaded"[^}]*\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(2);
  });
});

describe('supergraph composed from running subgraphs (SUBGRAPHS)', () => {
  it('composes at start and serves the federated query', async () => {
    const list = subgraphs.all.map((s) => `${s.name}=${s.url}`).join(',');
    await using gw = await startTestGateway({ SUPERGRAPH_PATH: '', SUBGRAPHS: list }, {}, subgraphs);
    const res = await gw.post({ query: CLASSIC_QUERY });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.topProducts).toHaveLength(5);
  });
});
