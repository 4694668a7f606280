import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceUrls } from '@intelgraph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../src/supergraph/compose.js';
import { type ClassicSubgraphs, startClassicSubgraphs } from './fixtures/classic-subgraphs.js';

/*
 * The CLI as installed and deployed: `intelgraph-gateway` runs the build (gateway/dist, made here
 * with `tsc -b` if `pnpm build` has not) on plain Node — no TypeScript loader and no
 * `development` condition, so every workspace package resolves to its dist/ too.
 */
const gatewayDir = join(import.meta.dirname, '..');
const repoRoot = join(gatewayDir, '..');
const bin = join(gatewayDir, 'bin', 'intelgraph-gateway.js');
/** The test's environment without the `--conditions=development` Vitest gives its processes. */
function production(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...rest } = env;
  return rest;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let subgraphs: ClassicSubgraphs;
let supergraph: string;
beforeAll(async () => {
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-b',
      join(gatewayDir, 'tsconfig.build.json'),
    ],
    { env: production(), stdio: 'inherit' },
  );
  subgraphs = await startClassicSubgraphs();
  supergraph = join(mkdtempSync(join(tmpdir(), 'cli-')), 'supergraph.graphql');
  writeFileSync(
    supergraph,
    composeSupergraph(subgraphs.all.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl }))),
  );
});
afterAll(() => subgraphs.stop());

describe('intelgraph-gateway CLI', () => {
  it('runs the built JavaScript, resolving the workspace packages to their builds', () => {
    expect(readFileSync(bin, 'utf8')).not.toMatch(/tsx|\.ts['"]/);
    const resolved = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('@intelgraph/config'))"],
      { cwd: gatewayDir, env: production(), encoding: 'utf8' },
    );
    expect(resolved).toMatch(/\/packages\/config\/dist\/index\.js$/);
  });

  it('fronts a supergraph file on --port (/health, a query), and drains, closes its Redis connections and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, '--supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1'],
      {
        // As deployed: NODE_ENV=production (Apollo installs its own signal handlers unless told
        // not to) and Redis connections (rate limiter, persisted queries) that keep Node alive
        // until they are closed.
        env: production({
          ...process.env,
          LOG_LEVEL: 'info',
          NODE_ENV: 'production',
          REDIS_URL: serviceUrls().redis,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 30_000;
      let body: unknown;
      let health: unknown;
      while (Date.now() < deadline) {
        try {
          health ??= await fetch(`http://127.0.0.1:${port}/health`).then((r) =>
            r.ok ? r.json() : undefined,
          );
          const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ me { name } }' }),
          });
          if (res.status === 200) {
            body = await res.json();
            break;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(health, output).toEqual({ status: 'ok' });
      expect(body, output).toEqual({ data: { me: { name: 'Ada Lovelace' } } });
      expect(output).toContain('"msg":"gateway serving"');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running 20 s after SIGTERM'), 20_000)),
    ]);
    if (typeof code === 'string') child.kill('SIGKILL');
    expect(code, output).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 60_000);

  it('exits 78 with one line when neither a supergraph file nor subgraphs are given', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(err.trim()).toBe('gateway: Set SUPERGRAPH_PATH (a supergraph file) or SUBGRAPHS (name=url,…)');
  }, 30_000);

  it('exits 78 naming the variable on a bad setting', async () => {
    const child = spawn(process.execPath, [bin, '--supergraph', supergraph, '--port', '99999'], {
      env: production(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(err).toContain("PORT='99999'");
  }, 30_000);
});
