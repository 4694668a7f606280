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

  it('loads the schema: the Docs panel lists the root type Query and its fields, autocomplete suggests them', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${gw.origin}/graphiql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page
      .getByRole('button', { name: /documentation explorer/i })
      .first()
      .click();
    const docs = page.locator('.graphiql-doc-explorer');
    // The root type link, not any text: a failed schema load shows an error that may say "Query".
    const queryLink = docs.locator(
      '.graphiql-doc-explorer-root-type + a, a.graphiql-doc-explorer-type-name',
      {
        hasText: /^Query$/,
      },
    );
    await expect.poll(async () => queryLink.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await docs.locator('.graphiql-doc-explorer-error').count()).toBe(0);
    await queryLink.first().click();
    await expect.poll(async () => docs.textContent(), { timeout: 10_000 }).toContain('topProducts');
    // Autocomplete in the query editor draws on the same schema.
    await page.evaluate(
      `(() => { const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror; cm.focus(); cm.setValue('{ topPro'); cm.setCursor({ line: 0, ch: 8 }); cm.execCommand('autocomplete'); })()`,
    );
    await expect
      .poll(
        async () =>
          page
            .locator('.CodeMirror-hints')
            .first()
            .textContent()
            .catch(() => ''),
        {
          timeout: 10_000,
        },
      )
      .toContain('topProducts');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('pre-fills the headers editor with the headers it is given (pnpm start’s demo token)', async () => {
    await using withToken = await startTestGateway(
      {},
      { graphiqlHeaders: () => ({ Authorization: 'Bearer demo-token-123' }) },
    );
    const script = await fetch(`${withToken.origin}/graphiql/assets/start.js`);
    expect(script.headers.get('cache-control')).toBe('no-store');
    expect(await script.text()).toContain('demo-token-123');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${withToken.origin}/graphiql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.getByText('Headers', { exact: true }).first().click();
    await expect
      .poll(
        async () =>
          page.evaluate(
            `document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')?.CodeMirror.getValue() ?? ''`,
          ),
        { timeout: 10_000 },
      )
      .toContain('Bearer demo-token-123');
    await context.close();
    // Without headers the page carries none.
    expect(await (await fetch(`${gw.origin}/graphiql/assets/start.js`)).text()).not.toContain(
      'defaultHeaders',
    );
  }, 60_000);

  it('serves its assets from the gateway', async () => {
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'start.js']) {
      const res = await fetch(`${gw.origin}/graphiql/assets/${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
  });
});
