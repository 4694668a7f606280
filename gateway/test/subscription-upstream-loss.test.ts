import { startFaultProxy } from '@intelgraph/test-support';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClassicSubgraphs } from './fixtures/classic-subgraphs.js';
import { startLiveSubgraphs } from './fixtures/live-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * The subgraph instance holding a subscription disappears without a word: a partition (packets
 * vanish, no FIN ever comes — also what a frozen or powered-off machine looks like) or a killed
 * process (its kernel resets the socket). Either way the subscriber must be told, with
 * SUBSCRIPTION_UPSTREAM_CLOSED (resubscribe with the last position), not left waiting forever.
 */
describe('a subscription whose subgraph instance is lost', () => {
  let subgraphs: ClassicSubgraphs;
  let gateway: TestGateway;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

  beforeAll(async () => {
    subgraphs = await startLiveSubgraphs();
    const feed = subgraphs.get('feed' as never);
    proxy = await startFaultProxy({ target: Number(new URL(feed.url).port) });
    feed.url = proxy.url(feed.url);
    gateway = await startTestGateway({ SUBSCRIPTION_KEEPALIVE_MS: '300' }, {}, subgraphs);
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.stop();
    await subgraphs?.stop();
  });

  for (const mode of ['blackhole', 'refuse'] as const) {
    it(`${mode === 'blackhole' ? 'partitioned (no FIN)' : 'killed (connection reset)'}: the subscription ends with SUBSCRIPTION_UPSTREAM_CLOSED`, async () => {
      proxy.setMode('pass');
      const client = createClient({
        url: gateway.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
      });
      try {
        const results: unknown[] = [];
        let firstResult!: () => void;
        const first = new Promise<void>((resolve) => {
          firstResult = resolve;
        });
        const ended = new Promise<unknown>((resolve) => {
          client.subscribe(
            { query: 'subscription { held { n } }' },
            {
              next: (result) => {
                results.push(result);
                firstResult();
              },
              error: (error) => resolve(error),
              complete: () => resolve('completed'),
            },
          );
        });
        await first;
        expect(results[0]).toEqual({ data: { held: { n: 1 } } });
        proxy.setMode(mode);
        const outcome = (await ended) as Array<{ extensions?: { code?: string } }>;
        expect(Array.isArray(outcome)).toBe(true);
        expect(outcome[0]?.extensions?.code).toBe('SUBSCRIPTION_UPSTREAM_CLOSED');
      } finally {
        await client.dispose();
      }
    });
  }
});
