import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

// Debian's chromium, provisioned by scripts/dev/services.sh (ensure_chromium).
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let gw: TestGateway;
let browser: Browser;
beforeAll(async () => {
  gw = await startTestGateway();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: LAUNCH_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

describe('GraphiQL served by the gateway', () => {
  it('loads with no network beyond the gateway, runs a query and shows the data', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const foreign: string[] = [];
    // Offline: every request must go to the gateway itself; anything else is recorded and refused.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(gw.origin) || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${gw.origin}/graphiql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.click();
    // Runs in the page (no DOM types here): set the query in GraphiQL's CodeMirror editor.
    await page.evaluate(
      `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ me { name } }')`,
    );
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await expect.poll(async () => result.textContent(), { timeout: 20_000 }).toContain('Ada Lovelace');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('serves its assets from the gateway', async () => {
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'start.js']) {
      const res = await fetch(`${gw.origin}/graphiql/assets/${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
  });
});
