import { writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@intelgraph/telemetry';
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
    // Validation fails against the new schema (400 as application/graphql-response+json).
    const res = await gw.post(
      { query: '{ topProducts { upc reviews { id } } }' },
      { accept: 'application/graphql-response+json' },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

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

  it('waits for a subgraph that is still starting, logging a retry rather than a failed update', async () => {
    // The accounts subgraph answers 503 twice (still starting), then is reached through this proxy.
    const accounts = subgraphs.all.find((s) => s.name === 'accounts')!;
    let refusals = 2;
    const starting = createServer((req, res) => {
      if (refusals-- > 0) {
        req.resume();
        res.writeHead(503).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const upstream = await fetch(accounts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      });
    });
    await new Promise<void>((resolve) => starting.listen(0, '127.0.0.1', resolve));
    const lines: { level: string; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    try {
      const list = subgraphs.all
        .map((s) =>
          s.name === 'accounts'
            ? `accounts=http://127.0.0.1:${(starting.address() as AddressInfo).port}/graphql`
            : `${s.name}=${s.url}`,
        )
        .join(',');
      await using gw = await startTestGateway(
        { SUPERGRAPH_PATH: '', SUBGRAPHS: list },
        { log: createLogger({ service: 'gateway', level: 'info', destination }) },
        subgraphs,
      );
      const res = await gw.post({ query: CLASSIC_QUERY });
      expect(res.body.data.topProducts).toHaveLength(5);
      await until(() => lines.some((l) => l.msg === 'supergraph loaded'), 'the loaded log line');
      const messages = lines.map((l) => `${l.level} ${l.msg}`);
      expect(messages.filter((m) => m === 'warn no supergraph yet; retrying')).toHaveLength(2);
      expect(messages.some((m) => m.includes('keeping the last good one'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => starting.close(() => resolve()));
    }
  });
});
