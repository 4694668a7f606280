import { describe, expect, it } from 'vitest';
import { startTestGateway } from './fixtures/test-gateway.js';

describe('health, readiness, metrics, request ids and trace context', () => {
  it('answers /health and /ready, and exports request, subgraph and rejection metrics', async () => {
    await using gw = await startTestGateway();
    expect(await (await fetch(`${gw.origin}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.origin}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', problems: [] }]);
    await gw.post({ query: 'query Me { me { id } }' });
    await gw.post({ query: '{ a: me { id } b: me { id' });
    const text = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(text).toMatch(/gateway_requests_total\{operation="Me",status="200",code=""[^}]*\} 1/);
    expect(text).toMatch(/gateway_request_duration_seconds_bucket\{[^}]*operation="Me"/);
    expect(text).toMatch(/gateway_subgraph_fetches_total\{subgraph="accounts",outcome="ok"[^}]*\} 1/);
    expect(text).toMatch(/gateway_limit_rejections_total\{code="QUERY_PARSE_FAILED"[^}]*\} 1/);
    expect(text).toMatch(/gateway_supergraph_updates_total\{result="loaded"[^}]*\} 1/);
  });

  it('counts GraphQL errors raised inside Apollo Server by their code', async () => {
    await using gw = await startTestGateway();
    await gw.post(
      { query: 'query Broken { me { noSuchField } }' },
      { accept: 'application/graphql-response+json' },
    );
    const text = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(text).toMatch(
      /gateway_requests_total\{operation="Broken",status="400",code="GRAPHQL_VALIDATION_FAILED"[^}]*\} 1/,
    );
  });

  it('echoes a sane x-request-id, and passes the caller’s W3C trace to subgraphs', async () => {
    await using gw = await startTestGateway();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await gw.post(
      { query: '{ me { id } }' },
      { 'x-request-id': 'req-123', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const forwarded = String(gw.subgraphs.get('accounts').lastHeaders?.traceparent);
    expect(forwarded).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const hostile = await gw.post({ query: '{ me { id } }' }, { 'x-request-id': 'bad id <script>' });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports why it is not ready once it stops serving', async () => {
    const gw = await startTestGateway();
    expect(await gw.gateway.readiness()).toEqual([]);
    await gw.stop();
    expect(await gw.gateway.readiness()).toEqual(['gateway is stopped']);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new connections', async () => {
    const gw = await startTestGateway({ DRAIN_TIMEOUT_MS: '5000' });
    gw.subgraphs.get('accounts').delayMs = 300;
    const inFlight = gw.post({ query: '{ me { id } }' });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = gw.stop();
    const res = await inFlight;
    expect(res.body).toEqual({ data: { me: { id: '1' } } });
    await stopped;
    expect(gw.gateway.phase).toBe('stopped');
    await expect(fetch(gw.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
