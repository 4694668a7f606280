import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');

function run(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', EMBEDDED_SHARDS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => {
    output += String(d);
  });
  child.stderr!.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('the accounts entry point (src/main.ts)', () => {
  it('exits 78 naming the variable when the configuration is invalid', async () => {
    const p = run({ PORT: 'http', DEV_IDENTITY: 'true' });
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('accounts: Invalid configuration');
    expect(p.output()).toContain("PORT='http'");
  });

  it('exits 78 with one line naming the setting a start-time rule needs (no identity secret)', async () => {
    const p = run({ IDENTITY_SECRET: '', DEV_IDENTITY: '' });
    expect(await p.exited).toBe(78);
    expect(p.output().trim()).toBe(
      'accounts: IDENTITY_SECRET is unset and DEV_IDENTITY is not true: set IDENTITY_SECRET (shared with the gateway), or DEV_IDENTITY=true for local development',
    );
  });

  it('serves, then stops gracefully on SIGTERM (exit 0, "stopped" logged)', async () => {
    const p = run({ DEV_IDENTITY: 'true' });
    const deadline = Date.now() + 60_000;
    while (!p.output().includes('accounts subgraph ready') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const url = /"url":"([^"]+)"/.exec(p.output())?.[1];
    expect(url).toBeDefined();
    const health = await fetch(url!.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    const r = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dev-tenant': 'demo' },
      body: JSON.stringify({ query: '{ tenant { id } }' }),
    });
    expect(await r.json()).toEqual({ data: { tenant: { id: 'demo' } } });
    expect(p.output()).toContain('IDENTITY DEVELOPMENT MODE');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('accounts subgraph stopped');
  });
});
