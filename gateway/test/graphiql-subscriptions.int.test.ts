import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../src/dev/platform.js';

// Debian's chromium, provisioned by scripts/dev/services.sh (ensure_chromium).
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

describe('GraphiQL runs subscriptions (graphql-ws), in Chromium', () => {
  let platform: Platform;
  let browser: Browser;
  let token: string;
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    platform = await startPlatform({
      gatewayPort: 0,
      subgraphPorts: 'any',
      tenant: 'giql',
      env: { ...process.env, LOG_LEVEL: 'silent', SUBGRAPH_LOG_LEVEL: 'silent', GRAPHIQL: 'true' },
    });
    const bootstrap = await platform.token('giql:bootstrap');
    await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bootstrap}` },
      body: JSON.stringify({ query: 'mutation { createTenant(input: { name: "GiQL" }) { id } }' }),
    });
    token = bootstrap;
    platform.useTokenInGraphiQL(token);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: LAUNCH_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  it('starts a subscription in the page; a mutation from another client shows up in the result pane', async () => {
    const investigation = (await gql('mutation { createInvestigation(input: { title: "Live" }) { id } }'))
      .data.createInvestigation.id as string;
    const entity = (
      await gql('mutation { createEntity(input: { kind: PERSON, name: "Grace Hopper" }) { id } }')
    ).data.createEntity.id as string;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(platform.gateway.url.replace(/\/graphql$/, '/graphiql'));
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    const subscription = `subscription { investigationUpdated(id: "${investigation}") { type entity { name } } }`;
    await page.evaluate(
      `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(subscription)})`,
    );
    // GraphiQL parses the editor's text a moment after each change (debounced); its fetcher picks
    // graphql-ws from that parsed document, so run once it is there, as a user would.
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await new Promise((r) => setTimeout(r, 2000));
    await page.locator('.graphiql-execute-button').click();
    // The page must have its subscription open before the mutation; a loaded machine needs longer.
    await new Promise((r) => setTimeout(r, 6000));
    const added = await gql(
      'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
      {
        i: investigation,
        e: entity,
      },
    );
    expect(added.errors).toBeUndefined();
    const result = page.locator('.result-window');
    await expect.poll(async () => result.textContent(), { timeout: 40_000 }).toContain('Grace Hopper');
    expect(errors).toEqual([]);
    // It ran over graphql-ws, to the gateway's endpoint.
    expect(sockets).toEqual([platform.gateway.url.replace(/^http/, 'ws')]);
    await context.close();
  }, 90_000);
});
