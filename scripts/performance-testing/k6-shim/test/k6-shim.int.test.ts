import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGraphQLServer } from '../../local-runner/test/fake-graphql-server.js';

/*
 * The k6 script staging runs (load-test.js), executed for real under the k6 shim against the
 * platform as `pnpm start` runs it, its thresholds evaluated; and a script whose threshold cannot
 * hold makes the run fail with k6's exit code.
 */
const perfDir = path.resolve(import.meta.dirname, '..', '..');
const root = path.resolve(perfDir, '..', '..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(command: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...command], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exit };
}

const k6 = (args: string[]) => run(['k6-shim/run-k6.ts', 'run', ...args], {}, perfDir);

describe('load-test.js under the k6 shim', () => {
  it('runs the baseline scenario against pnpm start and evaluates the SLO thresholds', async () => {
    const platform = run(
      ['scripts/dev/start.ts'],
      { GATEWAY_PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
      root,
    );
    const deadline = Date.now() + 120_000;
    while (!platform.out.stdout.includes('Ctrl-C stops everything.')) {
      if (platform.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`pnpm start did not come up:\n${platform.out.stdout}\n${platform.out.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(platform.out.stdout)![1]!;
    const token = /Demo token[^\n]*\n\s+(\S+)/.exec(platform.out.stdout)![1]!;
    const load = k6([
      '-e',
      `LOAD_URL=${url}`,
      '-e',
      `LOAD_TOKEN=${token}`,
      '-e',
      'STAGES=localStages',
      'load-test.js',
    ]);
    const code = await load.exit;
    const summary = load.out.stdout;
    expect(code, `${summary}\n${load.out.stderr}`).toBe(0);
    for (const line of [
      '✓ http_req_duration p(95)<500',
      '✓ http_req_duration p(99)<1000',
      '✓ http_req_failed rate<0.01',
      '✓ graphql_errors rate<0.01',
    ]) {
      expect(summary).toContain(line);
    }
    expect(summary).toMatch(/^4 passed, 0 failed$/m);
    expect(Number(/iterations\.+: (\d+)/.exec(summary)?.[1])).toBeGreaterThan(100);
    // The write operation ran and was acknowledged (CreateUser ids).
    expect(Number(/writes_acknowledged\.+: (\d+)/.exec(summary)?.[1])).toBeGreaterThan(0);
    platform.child.kill('SIGINT');
    expect(await platform.exit).toBe(0);
  }, 240_000);

  it('exits 99, as k6 does, when a threshold fails; checks, setup data, custom metrics and tags work', async () => {
    const fake = await startFakeGraphQLServer();
    try {
      const r = k6(['-e', `URL=${fake.url}`, 'k6-shim/test/fixtures/thresholds-fail.js']);
      const code = await r.exit;
      const summary = r.out.stdout;
      expect(code, `${summary}\n${r.out.stderr}`).toBe(99);
      expect(summary).toContain('✗ http_req_duration p(95)<0.001');
      expect(summary).toContain('✓ http_req_failed rate<0.5');
      expect(summary).toContain('✓ checks{check:has data} rate>0.99');
      expect(summary).toContain('✓ iterations count>3');
      expect(summary).toMatch(/body_size\.+: avg=/);
      expect(summary).not.toContain('iteration errors');
      expect(fake.stats.requests).toBeGreaterThan(3);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
