import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/validation/dockerfile.js';
import { SERVICES } from '../src/validation/service-catalog.js';
import { REPO_ROOT } from './paths.js';

/*
 * The images cannot be built here (no Docker engine), so their Dockerfiles are checked for what
 * the platform relies on: multi-stage, `pnpm deploy --prod`, a non-root runtime user, the
 * service's port and host, a /health HEALTHCHECK, and an entry point that exists.
 */
describe.each(SERVICES)('$dir/Dockerfile', (service) => {
  const file = path.join(REPO_ROOT, service.dir, 'Dockerfile');
  const ins = parseDockerfile(readFileSync(file, 'utf8'));
  const last = Math.max(...ins.map((i) => i.stage));
  const final = ins.filter((i) => i.stage === last);
  const all = (k: string) => ins.filter((i) => i.keyword === k);
  const one = (k: string) => final.filter((i) => i.keyword === k);

  it('builds in one stage and runs from a separate slim stage', () => {
    expect(all('FROM').length).toBeGreaterThanOrEqual(2);
    expect(one('FROM')[0]!.args).toMatch(/AS runtime$/);
    expect(all('ARG').some((a) => /^NODE_IMAGE=node:20[.\d]*-bookworm-slim$/.test(a.args))).toBe(true);
  });

  it('deploys its own package with production dependencies only, from the frozen lockfile', () => {
    const deploy = all('RUN').find((r) => /pnpm --filter \S+ deploy/.test(r.args));
    expect(deploy?.args).toMatch(/deploy --prod/);
    expect(deploy!.stage).toBeLessThan(last);
    const pkgFile = path.join(REPO_ROOT, service.dir, 'package.json');
    // Subgraphs still being written have no package.json yet; their name follows accounts'.
    const name = existsSync(pkgFile)
      ? (JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string }).name
      : `@intelgraph/${service.app}-subgraph`;
    expect(deploy!.args).toContain(`--filter ${name} deploy`);
    expect(all('COPY').some((c) => c.args.includes('pnpm-lock.yaml'))).toBe(true);
  });

  it('runs as a non-root user on its port, bound to all interfaces, with a /health check', () => {
    const user = one('USER').at(-1)!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(one('EXPOSE').map((e) => e.args)).toEqual([String(service.port)]);
    const env = one('ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toContain(`PORT=${service.port}`);
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain('NODE_ENV=production');
    expect(one('HEALTHCHECK')[0]!.args).toContain("'/health'");
    // The runtime copies only the deployed output, never the whole build context.
    for (const c of one('COPY')) expect(c.args).toMatch(/--from=build/);
  });

  it('starts an entry point that exists in the service', () => {
    const cmd = JSON.parse(one('CMD').at(-1)!.args) as string[];
    expect(cmd[0]).toBe('node');
    const entry = cmd.at(-1)!;
    const entryFile = path.join(REPO_ROOT, service.dir, entry);
    if (existsSync(path.join(REPO_ROOT, service.dir, 'package.json')))
      expect(existsSync(entryFile), entry).toBe(true);
    else expect(entry).toBe('src/main.ts');
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, VCS data and secrets out of the build context', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '.git', '**/.env']) expect(lines).toContain(p);
  });
});

describe('parseDockerfile', () => {
  it('joins continuation lines, drops comments and numbers stages', () => {
    const ins = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  && y\nFROM c\nUSER 1\n');
    expect(ins).toEqual([
      { keyword: 'FROM', args: 'a AS b', stage: 0 },
      { keyword: 'RUN', args: 'x    && y', stage: 0 },
      { keyword: 'FROM', args: 'c', stage: 1 },
      { keyword: 'USER', args: '1', stage: 1 },
    ]);
  });
});
